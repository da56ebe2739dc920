import CLResults
import Testing
@testable import CLReport

@Suite("Aggregating runs into protocol summaries")
struct ProtocolSummaryTests {
    let summaries = ProtocolSummary.group(SyntheticRecords.sample())

    func protocolNamed(_ name: String) throws -> ProtocolSummary {
        try #require(summaries.first { $0.protocolName == name })
    }

    @Test("protocols and learners are grouped and sorted")
    func grouping() throws {
        #expect(summaries.map(\.protocolName) == ["cub200-fscil", "joint-mnist", "split-cifar100", "split-mnist"])
        let split = try protocolNamed("split-mnist")
        #expect(split.learners.map(\.learner) == ["finetune", "icarl", "nmc"])
        #expect(split.taskCount == 5)
    }

    @Test("running and failed runs are listed, never averaged in")
    func incompleteRunsExcluded() throws {
        let split = try protocolNamed("split-mnist")
        #expect(split.learners.allSatisfy { $0.runs.count == 3 && $0.seeds == [0, 1, 2] })
        #expect(split.incompleteRuns.map(\.status) == ["failed", "running"])
        let nmc = try #require(split.learners.first { $0.learner == "nmc" })
        let expected = SeedStatistics(nmc.runs.map { $0.metrics["final_accuracy"]! })
        #expect(nmc.metric("final_accuracy")?.statistics == expected)
        #expect(nmc.metric("final_accuracy")?.statistics.count == 3)
    }

    @Test("a learner with only incomplete runs has no summary row")
    func onlyIncomplete() {
        let records = [
            SyntheticRecords.run(
                learner: "der", seed: 0, tasks: 3, plasticity: 0.9, retention: 0.9,
                status: "failed", completedTasks: 1, error: "out of memory")
        ]
        let summary = ProtocolSummary(protocolName: "split-mnist", records: records)
        #expect(summary.learners.isEmpty)
        #expect(summary.incompleteRuns.count == 1)
        #expect(TerminalReport.render([summary]).contains("no complete run"))
    }

    @Test("forgetting with one task is n/a with its reason, never 0")
    func singleTaskForgetting() throws {
        let joint = try protocolNamed("joint-mnist")
        let nmc = try #require(joint.learners.first)
        let forgetting = try #require(nmc.metric("forgetting"))
        #expect(!forgetting.statistics.isAvailable)
        #expect(forgetting.unavailableReason == "undefined with a single task (T = 1)")
        #expect(forgetting.formatted == "n/a")
        #expect(nmc.metric("performance_drop")?.unavailableReason == "only for few-shot (FSCIL) streams")
        #expect(nmc.forgettingPerTask.isEmpty)
        #expect(ReportPlots.forgettingBars(joint) == nil)
    }

    @Test("forgetting per task: max over earlier rows minus the final row")
    func forgettingPerTask() {
        // Golden vector 4 of METRICS.md, with a row 0 "before" prepended.
        let record = RunRecord(
            path: "x.h5", status: "complete", protocolName: "p", learner: "l", seed: 0,
            accuracyMatrix: [[0, 0, 0], [0.5, 0.0, 0.0], [0.9, 0.4, 0.0], [0.7, 0.4, 0.8]])
        let perTask = ReportRun.forgettingPerTask(record)
        #expect(perTask.count == 2)
        #expect(abs(perTask[0] - 0.2) < 1e-12)
        #expect(abs(perTask[1] - 0.0) < 1e-12)
        // Their mean is `forgetting` = 0.1.
        #expect(abs((perTask[0] + perTask[1]) / 2 - 0.1) < 1e-12)
    }

    @Test("the accuracy matrix is averaged cell by cell; unevaluated cells stay NaN")
    func matrixMean() {
        let first = RunRecord(
            path: "a", status: "complete", protocolName: "p", learner: "l", seed: 0,
            accuracyMatrix: [[0, 0], [0.8, .nan], [0.6, 0.9]])
        let second = RunRecord(
            path: "b", status: "complete", protocolName: "p", learner: "l", seed: 1,
            accuracyMatrix: [[0, 0], [1.0, .nan], [0.4, 0.7]])
        let learner = LearnerSummary(learner: "l", runs: [first, second])
        #expect(abs(learner.accuracyMatrix[1][0].mean - 0.9) < 1e-12)
        #expect(!learner.accuracyMatrix[1][1].isAvailable)
        #expect(abs(learner.accuracyMatrix[2][1].mean - 0.8) < 1e-12)
        let table = ReportTables.accuracyMatrixTable(learner)
        #expect(table.rows.map(\.first) == ["before", "after task 0", "after task 1"])
        #expect(table.rows[1] == ["after task 0", "0.9000", "n/a"])
    }

    @Test("few-shot sessions are averaged per column")
    func fewShot() throws {
        let fscil = try protocolNamed("cub200-fscil")
        let teen = try #require(fscil.learners.first)
        let sessions = try #require(teen.fscilAccuracy)
        #expect(sessions.count == 6)
        #expect(sessions[0][2].isAvailable == false)  // no novel classes in the base session
        #expect(sessions[3][3].count == 2)
        let table = try #require(ReportTables.fscilTable(teen))
        #expect(table.header == ["session", "all", "base", "novel", "harmonic mean"])
        #expect(table.rows[0][3] == "n/a")  // column 3: novel
        #expect(teen.metric("performance_drop")?.statistics.count == 2)
    }
}
