import Foundation
import HDF5Kit

/// One metric's committed reference value: what a learner scored and how far it may drift.
public struct BaselineBound: Sendable, Equatable {
    /// Mean over the seeds the baseline was written from.
    public var expected: Double
    /// How far the measured mean may move in the bad direction before it counts as a regression.
    public var tolerance: Double

    public init(expected: Double, tolerance: Double) {
        self.expected = expected
        self.tolerance = tolerance
    }
}

/// One metric of one learner in a baseline file.
public struct BaselineEntry: Sendable, Equatable {
    /// A key of `MetricCatalog`.
    public var metric: String
    public var bound: BaselineBound

    public init(metric: String, bound: BaselineBound) {
        self.metric = metric
        self.bound = bound
    }
}

/// The committed expectations for one learner.
public struct BaselineLearner: Sendable, Equatable {
    public var name: String
    /// The seeds the expectations were measured on (`seeds: [0, 1, 2]`): every one must have a
    /// complete run when checking, else a missing or crashed seed would pass unnoticed. Nil
    /// in files written before seeds were recorded (then no seed is required).
    public var seeds: [Int]?
    /// In file order, so that rewriting a file keeps the diff small.
    public var entries: [BaselineEntry]

    public init(name: String, seeds: [Int]? = nil, entries: [BaselineEntry]) {
        self.name = name
        self.seeds = seeds
        self.entries = entries
    }

    /// The bound for `metric`, if this learner has one.
    public func bound(for metric: String) -> BaselineBound? {
        entries.first { $0.metric == metric }?.bound
    }
}

/// A human-readable regression baseline, `results/baselines/<protocol>.yaml`:
///
/// ```yaml
/// # where the numbers came from
/// protocol: split-mnist
/// learners:
///   nmc:
///     final_accuracy: { expected: 0.80, tolerance: 0.01 }
/// ```
///
/// It is YAML rather than HDF5 because people review it in pull requests; the header
/// comment is kept because a number without its provenance cannot be trusted later.
public struct Baseline: Sendable, Equatable {
    /// `protocol_name` of the results this baseline applies to.
    public var protocolName: String
    /// The leading comment lines, without their "# " prefix.
    public var comment: [String]
    public var learners: [BaselineLearner]

    public init(protocolName: String, comment: [String] = [], learners: [BaselineLearner]) {
        self.protocolName = protocolName
        self.comment = comment
        self.learners = learners
    }

    /// The learner called `name`, if the baseline has it.
    public func learner(named name: String) -> BaselineLearner? {
        learners.first { $0.name == name }
    }
}

// MARK: - Creating from results

extension Baseline {
    /// The metrics a new baseline records when the caller names none: the headline numbers
    /// of a class-incremental paper table.
    public static let defaultMetrics = ["final_accuracy", "average_incremental_accuracy", "forgetting", "bwt"]

    /// A baseline measured from `records`: for each learner with complete runs, the mean over
    /// its seeds of each metric in `metrics`.
    ///
    /// When `existing` is given the file is updated rather than replaced: tolerances someone
    /// tuned by hand are kept, learners without new results are kept as they were, and the
    /// metrics already listed for a learner stay listed. The header comment is rewritten to
    /// say where the new numbers came from.
    ///
    /// - Parameters:
    ///   - date: when the numbers were taken, for the header (ISO 8601 is a good choice).
    /// - Throws: `InputError` when the records mix protocols, belong to another protocol than
    ///   `existing`, or hold no complete run.
    public static func measured(
        from records: [RunRecord], metrics: [String] = defaultMetrics,
        tolerance: Double, updating existing: Baseline? = nil,
        date: String
    ) throws -> Baseline {
        for metric in metrics where MetricCatalog.definition(of: metric) == nil {
            throw InputError(
                file: "",
                "unknown metric '\(metric)'; known: "
                    + MetricCatalog.all.map(\.key).joined(separator: ", "))
        }
        guard tolerance >= 0, tolerance.isFinite else {
            throw InputError(file: "", "the tolerance must be a finite number ≥ 0, found \(tolerance)")
        }
        let complete = records.filter(\.isComplete)
        guard let first = complete.first else {
            throw InputError(
                file: records.first?.path ?? "", "no complete run among the results; a baseline needs finished runs")
        }
        let protocolName = existing?.protocolName ?? first.protocolName
        if let stranger = complete.first(where: { $0.protocolName != protocolName }) {
            throw InputError(
                file: stranger.path,
                "results of protocol '\(stranger.protocolName)', "
                    + "but the baseline is for '\(protocolName)'; write one baseline per protocol")
        }

        var learners = existing?.learners ?? []
        var provenance: [String] = []
        let learnerNames = Set(complete.map(\.learner)).sorted()
        for name in learnerNames {
            let runs = complete.filter { $0.learner == name }
            let previous = learners.first { $0.name == name }
            var metricKeys = previous?.entries.map(\.metric) ?? []
            for metric in metrics where !metricKeys.contains(metric) { metricKeys.append(metric) }
            var entries: [BaselineEntry] = []
            for metric in metricKeys {
                let measurement = RegressionCheck.seedMean(of: metric, in: runs)
                guard let mean = measurement.mean else { continue }  // NaN in every seed: nothing to guard
                let kept = previous?.bound(for: metric)?.tolerance ?? tolerance
                entries.append(
                    BaselineEntry(
                        metric: metric,
                        bound: BaselineBound(expected: (mean * 1e6).rounded() / 1e6, tolerance: kept)))
            }
            let updated = BaselineLearner(name: name, seeds: runs.map(\.seed).sorted(), entries: entries)
            if let index = learners.firstIndex(where: { $0.name == name }) {
                learners[index] = updated
            } else {
                learners.append(updated)
            }
            let seeds = runs.map(\.seed).sorted().map(String.init).joined(separator: ", ")
            let commits = Set(runs.map { $0.gitCommit.isEmpty ? "unknown" : $0.gitCommit }).sorted().joined(
                separator: ", ")
            let hosts = Set(runs.map { $0.host.isEmpty ? "unknown" : $0.host }).sorted().joined(separator: ", ")
            let kernels = Set(runs.map { $0.blasCore.isEmpty ? "unknown" : $0.blasCore }).sorted().joined(
                separator: ", ")
            provenance.append("  \(name): seeds [\(seeds)], commit \(commits), host \(hosts), BLAS kernel \(kernels)")
        }
        for learner in learners where !learnerNames.contains(learner.name) {
            provenance.append("  \(learner.name): kept from the previous baseline (no complete results this time)")
        }

        let comment =
            [
                "Regression baseline for protocol \(protocolName), written by `cl-bench baseline write` on \(date).",
                "expected = mean over the seeds of the complete runs found:",
            ] + provenance + [
                "cl-bench check fails when an accuracy-like metric falls below expected - tolerance,",
                "or a forgetting-like metric rises above expected + tolerance.",
            ]
        return Baseline(protocolName: protocolName, comment: comment, learners: learners)
    }
}
