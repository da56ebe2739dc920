import CLData
import Foundation
import Testing
@testable import CLConfig
@testable import CLResults

/// A two-task run: task 0 learned to `first`, then forgotten to `kept` while task 1 reaches `second`.
private func run(seed: Int, first: Double, kept: Double, second: Double) -> String {
    let pooled = (kept + second) / 2
    return """
            - seed: \(seed)
              seconds: 10.5
              pooled_accuracy: [\(first), \(pooled)]
              accuracy_matrix:
                - [\(first), null]
                - [\(kept), \(second)]
        """
}

private func record(
    authors: [String], clBench: [String], metrics: String = "[final_accuracy, forgetting]",
    extra: String = ""
) -> String {
    """
    # measured somewhere
    parity: 1
    protocol: Protocols/x.yaml
    protocol_name: x
    label: prd
    preset: ci-small
    rule: { metrics: \(metrics), minimum_tolerance: 0.02, std_factor: 2 }\(extra)
    authors:
      repository: someone/code
      commit: abc
      command: python main.py
      changes: ["runs on the CPU"]
      runs:
    \(authors.joined(separator: "\n"))
    cl_bench:
      repository: cl-bench
      commit: def
      command: cl-bench run --protocol Protocols/x.yaml --learner prd
      runs:
    \(clBench.joined(separator: "\n"))
    """
}

/// A results-file record of the same shape as `run(...)` above, with the before-training row.
private func results(
    seed: Int, first: Double, kept: Double, second: Double, label: String = "prd",
    status: String = "complete"
) -> RunRecord {
    RunRecord(
        path: "r/\(label)-seed\(seed).h5", status: status, protocolName: "x", learner: label, seed: seed,
        accuracyMatrix: [[0, 0], [first, .nan], [kept, second]], pooledAccuracy: [first, (kept + second) / 2])
}

@Suite("Parity records and the agreement rule")
struct ParityTests {
    @Test("a record parses; null reads as not evaluated; metrics come from the matrices")
    func parses() throws {
        let text = record(
            authors: [run(seed: 0, first: 0.9, kept: 0.5, second: 0.8)],
            clBench: [run(seed: 0, first: 0.9, kept: 0.6, second: 0.8)])
        let parsed = try ParityRecord.parse(text, file: "p.yaml")
        #expect(parsed.comment == ["measured somewhere"])
        #expect(parsed.label == "prd" && parsed.preset == "ci-small" && parsed.authors.changes == ["runs on the CPU"])
        let authors = try #require(parsed.authors.runs.first)
        #expect(authors.accuracyMatrix[0][1].isNaN)
        #expect(authors.seconds == 10.5)
        let metrics = authors.metrics
        #expect(abs((metrics["final_accuracy"] ?? .nan) - 0.65) < 1e-12)
        #expect(abs((metrics["forgetting"] ?? .nan) - 0.4) < 1e-12)  // max R[0][0] = 0.9 minus R[1][0] = 0.5
    }

    @Test("the rule: within max(0.02, 2 × larger std) agrees, past it disagrees")
    func rule() {
        let rule = ParityRule(metrics: ["final_accuracy"])
        // Sample std of [0.5, 0.6, 0.7] is 0.1: tolerance 0.2.
        #expect(ParityCheck.verdict([0.5, 0.6, 0.7], [0.75, 0.76, 0.77], rule: rule).0 == .agree)
        #expect(abs(ParityCheck.verdict([0.5, 0.6, 0.7], [0.79, 0.8, 0.81], rule: rule).1 - 0.2) < 1e-12)
        #expect(ParityCheck.verdict([0.5, 0.6, 0.7], [0.85, 0.85, 0.85], rule: rule).0 == .disagree)
        // Identical seeds: the minimum tolerance.
        #expect(ParityCheck.verdict([0.5, 0.5], [0.519, 0.519], rule: rule).0 == .agree)
        #expect(ParityCheck.verdict([0.5, 0.5], [0.521, 0.521], rule: rule).0 == .disagree)
        // One seed has no std: the other side's stands for both.
        #expect(abs(rule.tolerance([0.5], [0.5, 0.7]) - 2 * (0.02).squareRoot()) < 1e-12)
        // NaN never agrees.
        #expect(ParityCheck.verdict([.nan], [0.5], rule: rule).0 == .undefined)
    }

    @Test("fresh runs that keep the record's verdicts pass; a verdict that changes fails")
    func freshRuns() throws {
        let parsed = try ParityRecord.parse(
            record(
                authors: [
                    run(seed: 0, first: 0.9, kept: 0.5, second: 0.8),
                    run(seed: 1, first: 0.9, kept: 0.5, second: 0.8),
                ],
                clBench: [run(seed: 0, first: 0.9, kept: 0.5, second: 0.8)]), file: "p.yaml")
        let same = try ParityCheck.check(
            parsed, fresh: [results(seed: 0, first: 0.9, kept: 0.51, second: 0.8)], recordFile: "p.yaml")
        #expect(same.findings.map(\.recordedVerdict) == [.agree, .agree])
        #expect(same.findings.compactMap(\.freshVerdict) == [.agree, .agree])
        #expect(same.exitCode == 0)
        let worse = try ParityCheck.check(
            parsed, fresh: [results(seed: 0, first: 0.9, kept: 0.2, second: 0.8)], recordFile: "p.yaml")
        #expect(worse.findings.compactMap(\.freshVerdict) == [.disagree, .disagree])
        #expect(worse.exitCode == 1)
        // Other labels and incomplete runs are not compared; with nothing left the check is an error.
        let message = inputErrorMessage {
            _ = try ParityCheck.check(
                parsed,
                fresh: [
                    results(seed: 0, first: 0.9, kept: 0.5, second: 0.8, label: "nmc"),
                    results(seed: 1, first: 0.9, kept: 0.5, second: 0.8, status: "running"),
                ],
                recordFile: "p.yaml")
        }
        #expect(message.contains("p.yaml: no complete results of x/prd") && message.contains("x/nmc"))
        // Without results, the record's own verdicts are printed and nothing can change.
        #expect(try ParityCheck.check(parsed, fresh: nil, recordFile: "p.yaml").exitCode == 0)
    }

    @Test("task-aware metrics come from the task-aware matrix")
    func taskAware() throws {
        let aware = ParityRun(
            seed: 0, accuracyMatrix: [[0.5, .nan], [0.2, 0.4]], pooledAccuracy: [0.5, 0.3],
            taskAwareMatrix: [[1.0, .nan], [0.9, 0.7]])
        #expect(abs((aware.metrics["final_task_aware_accuracy"] ?? .nan) - 0.8) < 1e-12)
        #expect(abs((aware.metrics["task_aware_forgetting"] ?? .nan) - 0.1) < 1e-12)
        #expect(
            ParityRun(seed: 0, accuracyMatrix: [[0.5]], pooledAccuracy: [0.5]).metrics["final_task_aware_accuracy"]
                == nil)
    }

    @Test("malformed records name the file, the line and the key")
    func errors() {
        let good = run(seed: 0, first: 0.9, kept: 0.5, second: 0.8)
        #expect(
            inputErrorMessage {
                _ = try ParityRecord.parse(
                    record(authors: [good], clBench: [good], metrics: "[final_acuracy]"),
                    file: "p.yaml")
            }
            .hasPrefix("p.yaml:7: rule.metrics: unknown metric 'final_acuracy'"))
        #expect(
            inputErrorMessage {
                _ = try ParityRecord.parse(
                    record(authors: [good], clBench: [good], extra: "\nverdict: agree"),
                    file: "p.yaml")
            }
            .hasPrefix("p.yaml:8: verdict: unknown key"))
        let outside = run(seed: 0, first: 1.5, kept: 0.5, second: 0.8)
        #expect(
            inputErrorMessage {
                _ = try ParityRecord.parse(record(authors: [outside], clBench: [good]), file: "p.yaml")
            }
            .contains("authors.runs[seed 0].pooled_accuracy: accuracy 1.5 is outside [0, 1]"))
        let ragged = good.replacingOccurrences(of: "- [0.5, 0.8]", with: "- [0.5]")
        #expect(
            inputErrorMessage { _ = try ParityRecord.parse(record(authors: [ragged], clBench: [good]), file: "p.yaml") }
                .contains("authors.runs[seed 0].accuracy_matrix: a row has 1 values, expected 2"))
        #expect(
            inputErrorMessage {
                _ = try ParityRecord.parse(record(authors: [good, good], clBench: [good]), file: "p.yaml")
            }
            .contains("authors.runs: lists a seed twice"))
        #expect(
            inputErrorMessage { _ = try ParityRecord.parse("parity: 2", file: "p.yaml") }.contains("version 1, found 2")
        )
        #expect(
            inputErrorMessage { _ = try ParityRecord.parse("", file: "p.yaml") }
                == "p.yaml: the parity record is empty")
    }
}
