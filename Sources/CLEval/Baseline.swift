import CLData
import Foundation
import Yams

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

// MARK: - Reading

extension Baseline {
    /// Reads and validates the baseline at `path`.
    ///
    /// - Throws: `InputError` naming the file, the line and the key for anything malformed
    ///   (`NodeReader`'s format, as for protocols), so the command line can print one line
    ///   and exit with status 2.
    public static func read(path: String) throws -> Baseline {
        try parse(try NodeReader.text(ofFile: path, "baseline file"), file: path)
    }

    /// Parses baseline YAML; `file` is only used to name the source in errors.
    public static func parse(_ text: String, file: String) throws -> Baseline {
        let reader = NodeReader(path: file)
        let root = try reader.compose(text, "baseline file")
        return try BaselineSyntax(reader: reader).baseline(from: root, comment: NodeReader.leadingComment(of: text))
    }
}

/// Turns the composed YAML tree into a `Baseline`.
private struct BaselineSyntax {
    let reader: NodeReader

    func baseline(from root: Node, comment: [String]) throws -> Baseline {
        let top = try reader.mapping(root, "baseline", allowed: ["protocol", "learners"])
        let protocolNode = try reader.required(top, "protocol", in: root, context: "")
        let protocolName = try reader.string(protocolNode, "protocol")
        guard !protocolName.isEmpty else { throw reader.error(protocolNode, "protocol", "expected the protocol name") }
        let learners = try parseLearners(try reader.required(top, "learners", in: root, context: ""))
        return Baseline(protocolName: protocolName, comment: comment, learners: learners)
    }

    func parseLearners(_ node: Node) throws -> [BaselineLearner] {
        let learners = try reader.mapping(node, "learners", allowed: nil)
        guard !learners.entries.isEmpty else {
            throw reader.error(node, "learners", "empty; list at least one learner")
        }
        return try learners.entries.map { name, metricsNode in
            let metrics = try reader.mapping(metricsNode, "learners.\(name)", allowed: nil)
            var entries: [BaselineEntry] = []
            var seeds: [Int]?
            for (metric, boundNode) in metrics.entries {
                let keyPath = "learners.\(name).\(metric)"
                if metric == "seeds" {
                    seeds = try seedList(boundNode, keyPath)
                    continue
                }
                guard MetricCatalog.definition(of: metric) != nil else {
                    throw reader.error(
                        metrics.keyNodes[metric] ?? boundNode, keyPath,
                        "unknown metric (known: " + MetricCatalog.all.map(\.key).joined(separator: ", ") + ")")
                }
                entries.append(BaselineEntry(metric: metric, bound: try bound(boundNode, keyPath)))
            }
            return BaselineLearner(name: name, seeds: seeds, entries: entries)
        }
    }

    func seedList(_ node: Node, _ keyPath: String) throws -> [Int] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw reader.error(node, keyPath, "expected a non-empty list of seeds")
        }
        let seeds = try items.map { item in
            let seed = try reader.integer(item, keyPath)
            guard seed >= 0 else { throw reader.error(item, keyPath, "expected a non-negative seed, got \(seed)") }
            return seed
        }
        guard Set(seeds).count == seeds.count else { throw reader.error(node, keyPath, "lists a seed twice") }
        return seeds
    }

    func bound(_ node: Node, _ keyPath: String) throws -> BaselineBound {
        let fields = try reader.mapping(node, keyPath, allowed: ["expected", "tolerance"])
        let expected = try reader.number(
            try reader.required(fields, "expected", in: node, context: keyPath + "."), keyPath + ".expected")
        let toleranceNode = try reader.required(fields, "tolerance", in: node, context: keyPath + ".")
        let tolerance = try reader.number(toleranceNode, keyPath + ".tolerance")
        guard tolerance >= 0 else {
            throw reader.error(toleranceNode, keyPath + ".tolerance", "must not be negative, got \(tolerance)")
        }
        return BaselineBound(expected: expected, tolerance: tolerance)
    }
}

// MARK: - Writing

extension Baseline {
    /// The metrics a new baseline records when the caller names none: the headline numbers
    /// of a class-incremental paper table.
    public static let defaultMetrics = ["final_accuracy", "average_incremental_accuracy", "forgetting", "bwt"]

    /// The YAML text of this baseline: the comment, then one flow mapping per metric so that
    /// each number sits on its own line and a review diff shows exactly what moved.
    public func yamlText() -> String {
        var lines = comment.map { $0.isEmpty ? "#" : "# \($0)" }
        lines.append("protocol: \(Baseline.quotedIfNeeded(protocolName))")
        lines.append("learners:")
        for learner in learners {
            lines.append("  \(Baseline.quotedIfNeeded(learner.name)):")
            if let seeds = learner.seeds {
                lines.append("    seeds: [\(seeds.map(String.init).joined(separator: ", "))]")
            }
            for entry in learner.entries {
                lines.append(
                    "    \(entry.metric): { expected: \(Baseline.decimal(entry.bound.expected)), "
                        + "tolerance: \(Baseline.decimal(entry.bound.tolerance)) }")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `yamlText()` to `path`, creating the folder if needed (see `OutputFile`).
    public func write(to path: String) throws {
        try OutputFile.write(yamlText(), to: path)
    }

    /// Shortest text that reads back as exactly the same `Double`.
    static func decimal(_ value: Double) -> String {
        "\(value)"
    }

    /// Names are written bare unless YAML would read them as something other than that string.
    static func quotedIfNeeded(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
        }
        let ambiguous =
            ["true", "false", "yes", "no", "on", "off", "null", "~"].contains(text.lowercased())
            || Double(text) != nil
        if plain && !ambiguous && !text.isEmpty { return text }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}

// MARK: - Creating from results

extension Baseline {
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
