import Foundation
import HDF5Kit

/// The outcome for one (learner, metric) pair of a baseline.
public enum RegressionVerdict: String, Sendable, Equatable {
    /// Within tolerance (or better than expected).
    case pass = "ok"
    /// Moved in the bad direction by more than the tolerance.
    case regressed = "REGRESSED"
    /// No complete run of the learner, or the metric is NaN in every seed: a baseline that
    /// can no longer be checked is a failure, otherwise deleting results would pass the check.
    case missing = "MISSING"
}

/// The mean of one metric over the complete runs of one learner.
public struct SeedMean: Sendable, Equatable {
    /// Mean over the seeds whose value is a number; nil when there is none.
    public var mean: Double?
    /// Seeds that contributed to the mean, sorted.
    public var seeds: [Int]
}

/// One row of a regression check: a baseline bound set against what the results measure.
public struct RegressionFinding: Sendable, Equatable {
    public var learner: String
    public var metric: String
    public var bound: BaselineBound
    /// From `MetricCatalog`: decides whether the tolerance applies below or above.
    public var higherIsBetter: Bool
    public var measured: SeedMean
    public var verdict: RegressionVerdict
    /// Why the verdict is `missing`, or other context worth printing.
    public var note: String?

    /// The worst value that still passes: expected − tolerance for accuracy-like metrics,
    /// expected + tolerance for forgetting-like ones.
    public var allowedLimit: Double {
        higherIsBetter ? bound.expected - bound.tolerance : bound.expected + bound.tolerance
    }

    /// "≥ 0.79" or "≤ 0.07": the limit with its direction, for tables.
    public var allowedDescription: String {
        (higherIsBetter ? "≥ " : "≤ ") + RegressionCheck.format(allowedLimit)
    }
}

/// Everything `cl-bench check` prints and decides.
public struct RegressionCheckResult: Sendable {
    public var protocolName: String
    public var findings: [RegressionFinding]
    /// Runs that are running or failed: never compared, but listed so nobody mistakes a
    /// crashed seed for a pass.
    public var incompleteRuns: [RunRecord]
    /// Learners with results but no entry in the baseline (informational only).
    public var learnersWithoutBaseline: [String]

    /// True when every finding passes.
    public var passed: Bool { findings.allSatisfy { $0.verdict == .pass } }
    /// The process exit status: 0 when everything passes, 1 when anything regressed or is missing.
    public var exitCode: Int32 { passed ? 0 : 1 }
}

/// Compares results with a committed baseline. Pure: no files, no printing.
public enum RegressionCheck {
    /// Floating-point slack so that a value exactly on the limit (0.80 − 0.01 = 0.79) passes.
    static let slack = 1e-12

    /// Mean of `metric` over the complete runs in `runs` whose value is a number.
    public static func seedMean(of metric: String, in runs: [RunRecord]) -> SeedMean {
        var total = 0.0
        var seeds: [Int] = []
        for run in runs where run.isComplete {
            guard let value = run.metrics[metric], value.isFinite else { continue }
            total += value
            seeds.append(run.seed)
        }
        return SeedMean(mean: seeds.isEmpty ? nil : total / Double(seeds.count), seeds: seeds.sorted())
    }

    /// Checks `records` against `baseline`.
    ///
    /// - Parameter baselineFile: used only to name the baseline in errors.
    /// - Throws: `InputError` (exit status 2) when there are no results at all or when any
    ///   result belongs to another protocol: comparing those would be meaningless, not a regression.
    public static func compare(
        _ records: [RunRecord], with baseline: Baseline,
        baselineFile: String = ""
    ) throws -> RegressionCheckResult {
        guard !records.isEmpty else {
            throw InputError(file: baselineFile, "no results to check against the baseline")
        }
        if let stranger = records.first(where: { $0.protocolName != baseline.protocolName }) {
            throw InputError(
                file: stranger.path,
                "results of protocol '\(stranger.protocolName)', "
                    + "but the baseline \(baselineFile) is for '\(baseline.protocolName)'")
        }
        var findings: [RegressionFinding] = []
        for learner in baseline.learners {
            let runs = records.filter { $0.learner == learner.name && $0.isComplete }
            let absentSeeds = missingSeeds(of: learner, in: records)
            for entry in learner.entries {
                let higherIsBetter = MetricCatalog.definition(of: entry.metric)?.higherIsBetter ?? true
                let measured = seedMean(of: entry.metric, in: runs)
                var finding = RegressionFinding(
                    learner: learner.name, metric: entry.metric, bound: entry.bound,
                    higherIsBetter: higherIsBetter, measured: measured,
                    verdict: .pass, note: nil)
                if runs.isEmpty {
                    finding.verdict = .missing
                    finding.note = "no complete run of \(learner.name)"
                } else if let absentSeeds {
                    finding.verdict = .missing
                    finding.note = absentSeeds
                } else if let mean = measured.mean {
                    let fine =
                        higherIsBetter ? mean >= finding.allowedLimit - slack : mean <= finding.allowedLimit + slack
                    finding.verdict = fine ? .pass : .regressed
                } else {
                    finding.verdict = .missing
                    finding.note = "\(entry.metric) is NaN or absent in every complete run"
                }
                findings.append(finding)
            }
        }
        let listed = Set(baseline.learners.map(\.name))
        let unlisted = Set(records.map(\.learner)).subtracting(listed).sorted()
        return RegressionCheckResult(
            protocolName: baseline.protocolName, findings: findings,
            incompleteRuns: records.filter { !$0.isComplete },
            learnersWithoutBaseline: unlisted)
    }

    /// Which of the baseline's seeds of `learner` have no complete run, and why ("seed 1
    /// absent, seed 2 failed"); nil when all are there. A mean over fewer seeds than the
    /// baseline's is not the same measurement, so it cannot pass.
    static func missingSeeds(of learner: BaselineLearner, in records: [RunRecord]) -> String? {
        guard let seeds = learner.seeds else { return nil }
        let runs = records.filter { $0.learner == learner.name }
        let problems = seeds.compactMap { seed -> String? in
            let ofSeed = runs.filter { $0.seed == seed }
            if ofSeed.contains(where: \.isComplete) { return nil }
            return "seed \(seed) " + (ofSeed.first.map { $0.status } ?? "absent")
        }
        return problems.isEmpty ? nil : "baseline seeds not complete: " + problems.joined(separator: ", ")
    }

    /// Four decimals: enough to see a 0.01 tolerance move, short enough for a table.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let text = String(format: "%.4f", value)
        return text == "-0.0000" ? "0.0000" : text
    }
}
