import CLData
import Testing
@testable import CLResults

/// A complete split-mnist run with the given headline metrics.
private func run(
    _ learner: String, seed: Int, accuracy: Double, forgetting: Double,
    status: String = "complete", protocolName: String = "split-mnist"
) -> RunRecord {
    RunRecord(
        path: "results/\(protocolName)/\(learner)-seed\(seed).h5", status: status, protocolName: protocolName,
        learner: learner, seed: seed,
        metrics: ["final_accuracy": accuracy, "forgetting": forgetting])
}

private let baseline = Baseline(
    protocolName: "split-mnist",
    learners: [
        BaselineLearner(
            name: "nmc",
            entries: [
                BaselineEntry(metric: "final_accuracy", bound: BaselineBound(expected: 0.80, tolerance: 0.01)),
                BaselineEntry(metric: "forgetting", bound: BaselineBound(expected: 0.06, tolerance: 0.01)),
            ])
    ])

@Suite("Regression check")
struct RegressionCheckTests {
    @Test("the real results pass with exit status 0")
    func realResultsPass() throws {
        let records = [
            run("nmc", seed: 0, accuracy: 0.81, forgetting: 0.05),
            run("nmc", seed: 1, accuracy: 0.79, forgetting: 0.07),
        ]
        let result = try RegressionCheck.compare(records, with: baseline)
        #expect(result.passed)
        #expect(result.exitCode == 0)
        #expect(result.findings.map(\.verdict) == [.pass, .pass])
        #expect(result.findings[0].measured.mean == 0.80)
        #expect(result.findings[0].measured.seeds == [0, 1])
    }

    @Test("a degraded accuracy fails with exit status 1")
    func degradedAccuracyRegresses() throws {
        let records = [run("nmc", seed: 0, accuracy: 0.70, forgetting: 0.06)]
        let result = try RegressionCheck.compare(records, with: baseline)
        #expect(!result.passed)
        #expect(result.exitCode == 1)
        #expect(result.findings[0].verdict == .regressed)
        #expect(result.findings[1].verdict == .pass)
        #expect(result.findings[0].allowedDescription == "≥ 0.7900")
    }

    @Test("forgetting regresses when it rises, not when it falls")
    func forgettingDirection() throws {
        let worse = try RegressionCheck.compare([run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.2)], with: baseline)
        #expect(worse.findings[1].verdict == .regressed)
        #expect(worse.findings[1].allowedDescription == "≤ 0.0700")
        let better = try RegressionCheck.compare([run("nmc", seed: 0, accuracy: 0.9, forgetting: 0.0)], with: baseline)
        #expect(better.passed)
    }

    @Test("every seed of the baseline must have a complete run: missing or failed seeds fail, named")
    func missingOrFailedSeedsOfTheBaselineFail() throws {
        var withSeeds = baseline
        withSeeds.learners[0].seeds = [0, 1, 2]
        let records = [
            run("nmc", seed: 0, accuracy: 0.81, forgetting: 0.05),
            run("nmc", seed: 1, accuracy: 0.5, forgetting: 0.5, status: "failed"),
        ]
        let result = try RegressionCheck.compare(records, with: withSeeds)
        #expect(result.exitCode == 1)
        #expect(result.findings.map(\.verdict) == [.missing, .missing])
        #expect(result.findings[0].note == "baseline seeds not complete: seed 1 failed, seed 2 absent")
        let all =
            records
            + [
                run("nmc", seed: 1, accuracy: 0.8, forgetting: 0.06),
                run("nmc", seed: 2, accuracy: 0.8, forgetting: 0.06),
            ]
            .filter { $0.status == "complete" }
        #expect(try RegressionCheck.compare(all.filter(\.isComplete), with: withSeeds).passed)
    }

    @Test("a value exactly on the limit passes despite rounding")
    func limitIsInclusive() throws {
        let result = try RegressionCheck.compare(
            [run("nmc", seed: 0, accuracy: 0.79, forgetting: 0.07)], with: baseline)
        #expect(result.passed)
    }

    @Test("a baseline learner without complete results is missing, and fails")
    func missingLearnerFails() throws {
        let records = [
            run("nmc", seed: 0, accuracy: 0.9, forgetting: 0.0, status: "failed"),
            run("finetune", seed: 0, accuracy: 0.2, forgetting: 0.8),
        ]
        let result = try RegressionCheck.compare(records, with: baseline)
        #expect(result.findings.allSatisfy { $0.verdict == .missing })
        #expect(result.exitCode == 1)
        #expect(result.incompleteRuns.count == 1)
        #expect(result.learnersWithoutBaseline == ["finetune"])
    }

    @Test("incomplete runs are not averaged in")
    func incompleteRunsExcluded() throws {
        let records = [
            run("nmc", seed: 0, accuracy: 0.80, forgetting: 0.06),
            run("nmc", seed: 1, accuracy: 0.10, forgetting: 0.90, status: "running"),
        ]
        let result = try RegressionCheck.compare(records, with: baseline)
        #expect(result.passed)
        #expect(result.findings[0].measured.seeds == [0])
    }

    @Test("a metric that is NaN in every seed is missing, not zero")
    func nanMetricIsMissing() throws {
        let records = [run("nmc", seed: 0, accuracy: 0.80, forgetting: .nan)]
        let result = try RegressionCheck.compare(records, with: baseline)
        #expect(result.findings[1].verdict == .missing)
        #expect(result.findings[1].measured.mean == nil)
        #expect(!result.passed)
    }

    @Test("results of another protocol are bad input")
    func otherProtocolIsInputError() {
        let records = [run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.06, protocolName: "split-cifar10")]
        #expect(throws: InputError.self) {
            try RegressionCheck.compare(records, with: baseline, baselineFile: "b.yaml")
        }
        #expect(throws: InputError.self) { try RegressionCheck.compare([], with: baseline) }
    }
}
