import CLResults
import Testing

@testable import CLReport

/// Heatmaps leave the tasks not learned yet (and the "before" row) blank instead of drawing
/// dark zeros; on permuted streams (every task has the same classes) every cell is kept.
@Test func classIncrementalHeatmapsLeaveUnlearnedCellsBlank() throws {
    let summary = try #require(
        ProtocolSummary.group([SyntheticRecords.run(learner: "nmc", seed: 0, tasks: 3, plasticity: 0.9, retention: 0.8)]
        )
        .first)
    let learner = summary.learners[0]
    let blank = ReportPlots.accuracyHeatmap(learner, protocolName: "p", streamKind: "class-incremental")
    // Rows before, after 0, after 1, after 2: 3 + 2 + 1 + 0 unlearned cells.
    #expect(blank.components(separatedBy: "not learned yet").count - 1 == 6)
    let full = ReportPlots.accuracyHeatmap(learner, protocolName: "p", streamKind: "permuted")
    #expect(!full.contains("not learned yet"))
    #expect(xmlError(blank) == nil)
}

/// Bold marks a win, not noise: never the upper bound `joint`, and only when the best continual
/// learner beats the next by more than either's seed std.
@Test func boldMarksOnlyAClearWinnerAmongContinualLearners() throws {
    func runs(_ learner: String, _ plasticity: Double, type: String? = nil) -> [RunRecord] {
        (0..<3).map { seed in
            var run = SyntheticRecords.run(
                learner: learner, seed: seed, tasks: 3, plasticity: plasticity, retention: 0.9)
            run.learnerType = type ?? learner
            return run
        }
    }
    let final = try #require(MetricCatalog.definition(of: "final_accuracy"))
    let close = try #require(ProtocolSummary.group(runs("joint", 0.99) + runs("a", 0.8) + runs("b", 0.8)).first)
    #expect(HTMLReport.clearWinner(final, close) == nil, "a and b differ by noise only; joint is not a candidate")
    let clear = try #require(ProtocolSummary.group(runs("joint", 0.99) + runs("a", 0.9) + runs("b", 0.5)).first)
    let winner = try #require(HTMLReport.clearWinner(final, clear))
    #expect(winner == clear.learners.first { $0.learner == "a" }?.metric("final_accuracy")?.statistics.mean)
    let html = HTMLReport.metricTable(clear)
    #expect(html.contains("never bold"))
    // Rows that cannot apply to an offline class-incremental stream are left out.
    for key in Metrics.onlineKeys + Metrics.taskAwareKeys { #expect(!html.contains(">\(key)</a>"), "\(key)") }
    #expect(html.contains(">final_accuracy</a>"))
    // One seed each: the noise is unknown, nothing is bold.
    let single = try #require(
        ProtocolSummary.group(Array(runs("a", 0.9).prefix(1)) + Array(runs("b", 0.5).prefix(1))).first)
    #expect(HTMLReport.clearWinner(final, single) == nil)
}

@Test func legendTextWrapsInsteadOfBeingCut() {
    #expect(
        ChartFrame.wrapped("accuracy of the seen samples in the bin", width: 20) == [
            "accuracy of the seen", "samples in the bin",
        ])
    #expect(ChartFrame.wrapped("perfect calibration", width: 17) == ["perfect", "calibration"])
    #expect(ChartFrame.wrapped("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
    #expect(ChartFrame.wrapped("", width: 5).isEmpty)
}

/// Forgetting lies in [−1, 1]: a whisker does not stretch the axis beyond 1.
@Test func forgettingBarsStayInsideTheMetricsRange() throws {
    let summary = try #require(
        ProtocolSummary.group(
            (0..<3).map { SyntheticRecords.run(learner: "f", seed: $0, tasks: 4, plasticity: 1, retention: 0.0) }
        ).first)
    let svg = try #require(ReportPlots.forgettingBars(summary))
    #expect(!svg.contains(">1.2</text>") && !svg.contains(">1.5</text>"))
}

/// Seeds that gave the same matrix bit for bit are named: their ± 0.0000 is determinism.
@Test func identicalSeedsAreCalledDeterministic() throws {
    var same = (0..<3).map { SyntheticRecords.run(learner: "nmc", seed: $0, tasks: 3, plasticity: 0.9, retention: 0.8) }
    for index in same.indices { same[index].accuracyMatrix = same[0].accuracyMatrix }
    let varied = (0..<3).map {
        SyntheticRecords.run(learner: "ft", seed: $0, tasks: 3, plasticity: 0.9, retention: 0.8)
    }
    let summary = try #require(ProtocolSummary.group(same + varied).first)
    let notes = ReportTables.deterministicNotes(summary)
    #expect(notes.count == 1 && notes[0].hasPrefix("nmc: all 3 seeds gave the same accuracy matrix"))
    #expect(TerminalReport.render([summary]).contains("deterministic on this stream"))
    #expect(HTMLReport.metricTable(summary).contains("deterministic on this stream"))
}
