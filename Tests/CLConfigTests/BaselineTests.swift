import CLData
import Foundation
import Testing
@testable import CLConfig
@testable import CLResults

private func run(
    _ learner: String, seed: Int, accuracy: Double, forgetting: Double,
    status: String = "complete", protocolName: String = "split-mnist"
) -> RunRecord {
    RunRecord(
        path: "results/\(protocolName)/\(learner)-seed\(seed).h5", status: status, protocolName: protocolName,
        learner: learner, seed: seed, gitCommit: "abc1234", host: "ci", blasCore: "Haswell",
        metrics: [
            "final_accuracy": accuracy, "average_incremental_accuracy": accuracy + 0.05,
            "forgetting": forgetting, "bwt": -forgetting,
        ])
}

@Suite("Baseline files")
struct BaselineTests {
    @Test("the documented example parses, comment included")
    func parsesExample() throws {
        let text = """
            # where the numbers came from
            protocol: split-mnist
            learners:
              nmc:
                final_accuracy: { expected: 0.80, tolerance: 0.01 }
                forgetting: { expected: 0.06, tolerance: 0.01 }
            """
        let baseline = try Baseline.parse(text, file: "split-mnist.yaml")
        #expect(baseline.protocolName == "split-mnist")
        #expect(baseline.comment == ["where the numbers came from"])
        #expect(baseline.learners.map(\.name) == ["nmc"])
        #expect(
            baseline.learner(named: "nmc")?.bound(for: "forgetting") == BaselineBound(expected: 0.06, tolerance: 0.01))
        #expect(baseline.learners[0].entries.map(\.metric) == ["final_accuracy", "forgetting"])
    }

    @Test("write then read gives back the same baseline")
    func roundTrip() throws {
        let records = [
            run("nmc", seed: 0, accuracy: 0.8123456789, forgetting: 0.06),
            run("nmc", seed: 1, accuracy: 0.79, forgetting: 0.0712),
            run("finetune", seed: 0, accuracy: 0.2, forgetting: 0.7),
        ]
        let baseline = try Baseline.measured(from: records, tolerance: 0.02, date: "2026-11-25")
        #expect(baseline.learners.map(\.name) == ["finetune", "nmc"])
        let nmc = try #require(baseline.learner(named: "nmc"))
        #expect(nmc.bound(for: "final_accuracy") == BaselineBound(expected: 0.801173, tolerance: 0.02))
        #expect(nmc.seeds == [0, 1])  // recorded, so that a later check requires both
        #expect(baseline.comment.contains { $0.contains("seeds [0, 1]") && $0.contains("abc1234") })
        #expect(baseline.comment.first?.contains("2026-11-25") == true)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("split-mnist.yaml").path
        try baseline.write(to: path)
        let reread = try Baseline.read(path: path)
        #expect(reread == baseline)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("  nmc:\n    seeds: [0, 1]\n"))
        // What was written passes its own check.
        #expect(try RegressionCheck.compare(records, with: reread).passed)
    }

    @Test("updating keeps hand-tuned tolerances and learners without new results")
    func updateKeepsTolerances() throws {
        let existing = Baseline(
            protocolName: "split-mnist", comment: ["old"],
            learners: [
                BaselineLearner(
                    name: "nmc",
                    entries: [
                        BaselineEntry(metric: "forgetting", bound: BaselineBound(expected: 0.5, tolerance: 0.05))
                    ]),
                BaselineLearner(
                    name: "icarl",
                    entries: [
                        BaselineEntry(metric: "final_accuracy", bound: BaselineBound(expected: 0.7, tolerance: 0.01))
                    ]),
            ])
        let updated = try Baseline.measured(
            from: [run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.1)],
            tolerance: 0.01, updating: existing, date: "today")
        #expect(updated.learners.map(\.name) == ["nmc", "icarl"])
        let nmc = try #require(updated.learner(named: "nmc"))
        #expect(nmc.entries.first?.metric == "forgetting")
        #expect(nmc.bound(for: "forgetting") == BaselineBound(expected: 0.1, tolerance: 0.05))
        #expect(nmc.bound(for: "final_accuracy") == BaselineBound(expected: 0.8, tolerance: 0.01))
        #expect(updated.learner(named: "icarl") == existing.learners[1])
        #expect(updated.comment.contains { $0.contains("icarl: kept from the previous baseline") })
    }

    @Test("NaN metrics are left out of a new baseline instead of written as 0")
    func nanMetricsSkipped() throws {
        let single = run("nmc", seed: 0, accuracy: 0.9, forgetting: .nan)
        let baseline = try Baseline.measured(from: [single], tolerance: 0.01, date: "today")
        #expect(baseline.learners[0].bound(for: "forgetting") == nil)
        #expect(baseline.learners[0].bound(for: "final_accuracy") != nil)
    }

    @Test("writing from mixed protocols or no complete run is bad input")
    func writeRejectsBadInput() {
        #expect(throws: InputError.self) {
            try Baseline.measured(
                from: [
                    run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.1),
                    run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.1, protocolName: "other"),
                ],
                tolerance: 0.01, date: "")
        }
        #expect(throws: InputError.self) {
            try Baseline.measured(
                from: [run("nmc", seed: 0, accuracy: 0.8, forgetting: 0.1, status: "failed")],
                tolerance: 0.01, date: "")
        }
    }

    @Test(
        "malformed baselines name the file, the line and the key",
        arguments: [
            (
                "protocol: p\nlearners:\n  nmc:\n    final_accuracy: { expected: high, tolerance: 0.01 }\n",
                "b.yaml:4: learners.nmc.final_accuracy.expected: expected a number, got 'high'"
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    top1: { expected: 0.8, tolerance: 0.01 }\n",
                "b.yaml:4: learners.nmc.top1: unknown metric (known: final_accuracy, "
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    forgetting: { expected: 0.1 }\n",
                "b.yaml:4: learners.nmc.forgetting.tolerance: missing (required)"
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    forgetting: { expected: 0.1, tolerance: -1 }\n",
                "b.yaml:4: learners.nmc.forgetting.tolerance: must not be negative, got -1.0"
            ),
            (
                "protocol: p\nlearner:\n  nmc: {}\n",
                "b.yaml:2: learner: unknown key (allowed here: protocol, learners)"
            ),
            (
                "learners:\n  nmc:\n    forgetting: { expected: 0.1, tolerance: 0.1 }\n",
                "b.yaml:1: protocol: missing (required)"
            ),
            (
                "protocol: p\nlearners:\n  nmc: [1, 2]\n",
                "b.yaml:3: learners.nmc: expected a mapping of keys to values"
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    forgetting: { expected: 0.1, tolerance: 0.1\n",
                "b.yaml:5: not valid YAML: "
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    seeds: [0, one]\n",
                "b.yaml:4: learners.nmc.seeds: expected an integer, got 'one'"
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    seeds: 3\n",
                "b.yaml:4: learners.nmc.seeds: expected a non-empty list of seeds"
            ),
            (
                "protocol: p\nlearners:\n  nmc:\n    seeds: [1, 1]\n",
                "b.yaml:4: learners.nmc.seeds: lists a seed twice"
            ),
        ])
    func malformed(text: String, expectedPrefix: String) {
        let message = inputErrorMessage { _ = try Baseline.parse(text, file: "b.yaml") }
        #expect(message.hasPrefix(expectedPrefix), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("a missing file is bad input naming it")
    func missingFile() {
        let message = inputErrorMessage { _ = try Baseline.read(path: "/nonexistent/base.yaml") }
        #expect(message.hasPrefix("/nonexistent/base.yaml: cannot read"))
    }
}
