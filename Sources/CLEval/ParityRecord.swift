import CLData
import Foundation
import Yams

/// A parity record, `results/parity/<protocol>-<label>.yaml`: one protocol run both by the
/// authors' code (outside this repository) and by cl-bench, seed by seed, with the rule that
/// decides agreement written down before the runs.
///
/// Both sides are stored the same way (the accuracy matrix after every task and the pooled
/// accuracy, plus the task-aware matrix where the stream gives task ids), and every metric is
/// computed from them by `Metrics`, so the two sides can never be measured by two
/// definitions. The verdict is not stored: `ParityCheck` derives it from the runs.
///
/// ```yaml
/// parity: 1
/// protocol: Protocols/prd-split-mnist.yaml     # relative to the repository root
/// protocol_name: prd-split-mnist
/// label: prd                                   # the protocol's learner entry
/// preset: ci-small
/// rule: { metrics: [final_accuracy, average_incremental_accuracy, forgetting],
///         minimum_tolerance: 0.02, std_factor: 2 }
/// authors:
///   repository: naderAsadi/Probing-Continual-Learning
///   commit: 0123abc
///   command: python main.py ...
///   changes: [ "runs on the CPU: .cuda() removed in 4 places", ... ]
///   runs:
///     - { seed: 0, seconds: 41.0, pooled_accuracy: [0.99, ...], accuracy_matrix: [[0.99, null, ...], ...] }
/// cl_bench:
///   repository: cl-bench
///   commit: 4567def
///   command: cl-bench run --protocol Protocols/prd-split-mnist.yaml --learner prd
///   runs: [ ... same form ... ]
/// ```
public struct ParityRecord: Sendable {
    /// The leading comment lines (where the numbers came from), without "# ".
    public var comment: [String]
    /// The protocol file both sides ran, relative to the repository root.
    public var protocolPath: String
    /// `protocol_name` of the cl-bench results this record applies to.
    public var protocolName: String
    /// The learner entry's label in the protocol (`learner` in results files).
    public var label: String
    /// The schedule's preset name (`training.preset`), so nobody reads a CPU budget as the paper's.
    public var preset: String
    public var rule: ParityRule
    public var authors: ParitySide
    public var clBench: ParitySide

    public init(
        comment: [String] = [], protocolPath: String, protocolName: String, label: String, preset: String,
        rule: ParityRule, authors: ParitySide, clBench: ParitySide
    ) {
        self.comment = comment
        self.protocolPath = protocolPath
        self.protocolName = protocolName
        self.label = label
        self.preset = preset
        self.rule = rule
        self.authors = authors
        self.clBench = clBench
    }
}

/// One side of a parity record: whose code, which commit, how it was run, and its runs.
public struct ParitySide: Sendable {
    public var repository: String
    public var commit: String
    public var command: String
    /// Every change made to the code to run it here (the authors' side); empty for cl-bench.
    public var changes: [String]
    public var runs: [ParityRun]

    public init(repository: String, commit: String, command: String, changes: [String] = [], runs: [ParityRun]) {
        self.repository = repository
        self.commit = commit
        self.command = command
        self.changes = changes
        self.runs = runs
    }
}

/// What one seed of one side measured, in the layout both codes can produce: row i of each
/// matrix is the evaluation after training task i (no "before training" row; NaN where a task
/// was not evaluated).
public struct ParityRun: Sendable, Equatable {
    public var seed: Int
    /// Wall time of the whole run on this machine, when known.
    public var seconds: Double?
    /// T x T: accuracy on each task's test set after each task (task-agnostic).
    public var accuracyMatrix: [[Double]]
    /// T values: accuracy over every test sample of the classes seen so far.
    public var pooledAccuracy: [Double]
    /// T x T with the task id given at test time, for task-incremental streams.
    public var taskAwareMatrix: [[Double]]?

    public init(
        seed: Int, seconds: Double? = nil, accuracyMatrix: [[Double]], pooledAccuracy: [Double],
        taskAwareMatrix: [[Double]]? = nil
    ) {
        self.seed = seed
        self.seconds = seconds
        self.accuracyMatrix = accuracyMatrix
        self.pooledAccuracy = pooledAccuracy
        self.taskAwareMatrix = taskAwareMatrix
    }

    /// The same material read from a cl-bench results file (its row 0, before training, dropped).
    public init(_ record: RunRecord) {
        let total = record.trainSeconds.reduce(0, +) + record.evalSeconds.reduce(0, +)
        self.init(
            seed: record.seed, seconds: total.isFinite ? total : nil,
            accuracyMatrix: Array(record.accuracyMatrix.dropFirst()), pooledAccuracy: record.pooledAccuracy,
            taskAwareMatrix: record.taskAwareAccuracy.map { Array($0.dropFirst()) })
    }

    /// Every metric of `Metrics` computed from this run, plus the task-aware ones of
    /// METRICS.md (`final_task_aware_accuracy`, `task_aware_forgetting`) where there is a
    /// task-aware matrix.
    public var metrics: [String: Double] {
        let tasks = accuracyMatrix.first?.count ?? 0
        let before = [Double](repeating: .nan, count: tasks)
        var values = Metrics.all(matrix: [before] + accuracyMatrix, pooled: pooledAccuracy)
        if let aware = taskAwareMatrix {
            values.merge(Metrics.taskAware([before] + aware)) { _, new in new }
        }
        return values
    }
}

/// The agreement rule of a parity record, fixed before the runs: per metric, the two sides
/// agree when |mean_a − mean_b| ≤ max(minimum_tolerance, std_factor × the larger of the two
/// seed standard deviations). The tolerance grows with seed noise, so a method whose seeds
/// scatter cannot be called different on a difference its own seeds show.
public struct ParityRule: Sendable, Equatable {
    /// Metric keys (`MetricCatalog`, or the task-aware keys) the rule is applied to.
    public var metrics: [String]
    public var minimumTolerance: Double
    public var standardDeviationFactor: Double

    public init(metrics: [String], minimumTolerance: Double = 0.02, standardDeviationFactor: Double = 2) {
        self.metrics = metrics
        self.minimumTolerance = minimumTolerance
        self.standardDeviationFactor = standardDeviationFactor
    }

    /// The metric keys a rule may name.
    public static let knownMetrics = MetricCatalog.all.map(\.key) + Metrics.taskAwareKeys

    /// The tolerance for two samples of per-seed values. A side with fewer than two seeds has
    /// no standard deviation; the other side's then stands for both.
    public func tolerance(_ a: [Double], _ b: [Double]) -> Double {
        let deviations = [SeedStatistics(a).standardDeviation, SeedStatistics(b).standardDeviation].filter(\.isFinite)
        return max(minimumTolerance, standardDeviationFactor * (deviations.max() ?? 0))
    }
}

// MARK: - Reading

extension ParityRecord {
    /// Reads and validates the record at `path`; every error names the file, the line and the key.
    public static func read(path: String) throws -> ParityRecord {
        try parse(try NodeReader.text(ofFile: path, "parity record"), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ParityRecord {
        let reader = NodeReader(path: file)
        let root = try reader.compose(text, "parity record")
        return try ParitySyntax(reader: reader).record(root, comment: NodeReader.leadingComment(of: text))
    }
}

/// Turns the composed YAML tree into a `ParityRecord`.
private struct ParitySyntax {
    let reader: NodeReader

    static let topKeys = ["parity", "protocol", "protocol_name", "label", "preset", "rule", "authors", "cl_bench"]
    static let sideKeys = ["repository", "commit", "command", "changes", "runs"]
    static let runKeys = ["seed", "seconds", "pooled_accuracy", "accuracy_matrix", "task_aware_matrix"]

    func record(_ root: Node, comment: [String]) throws -> ParityRecord {
        let top = try reader.mapping(root, "parity record", allowed: Self.topKeys)
        let version = try reader.integer(try reader.required(top, "parity", in: root, context: ""), "parity")
        guard version == 1 else {
            throw reader.error(root, "parity", "this cl-bench reads parity records of version 1, found \(version)")
        }
        func text(_ key: String) throws -> String {
            let value = try reader.string(try reader.required(top, key, in: root, context: ""), key)
            guard !value.isEmpty else { throw reader.error(root, key, "must not be empty") }
            return value
        }
        let rule = try self.rule(try reader.required(top, "rule", in: root, context: ""))
        let authors = try side(try reader.required(top, "authors", in: root, context: ""), "authors")
        let clBench = try side(try reader.required(top, "cl_bench", in: root, context: ""), "cl_bench")
        let record = ParityRecord(
            comment: comment, protocolPath: try text("protocol"), protocolName: try text("protocol_name"),
            label: try text("label"), preset: try text("preset"), rule: rule,
            authors: authors, clBench: clBench)
        let shapes = Set((authors.runs + clBench.runs).map { $0.pooledAccuracy.count })
        guard shapes.count == 1 else {
            throw reader.error(root, "runs", "the runs do not agree on the number of tasks (\(shapes.sorted()))")
        }
        return record
    }

    func rule(_ node: Node) throws -> ParityRule {
        let fields = try reader.mapping(node, "rule", allowed: ["metrics", "minimum_tolerance", "std_factor"])
        let metricsNode = try reader.required(fields, "metrics", in: node, context: "rule.")
        guard case .sequence(let items) = metricsNode, !items.isEmpty else {
            throw reader.error(metricsNode, "rule.metrics", "expected a non-empty list of metric keys")
        }
        let metrics = try items.map { item in
            let key = try reader.string(item, "rule.metrics")
            guard ParityRule.knownMetrics.contains(key) else {
                throw reader.error(
                    item, "rule.metrics",
                    "unknown metric '\(key)' (known: \(ParityRule.knownMetrics.joined(separator: ", ")))")
            }
            return key
        }
        var rule = ParityRule(metrics: metrics)
        if let value = fields["minimum_tolerance"] {
            rule.minimumTolerance = try nonNegative(value, "rule.minimum_tolerance")
        }
        if let value = fields["std_factor"] { rule.standardDeviationFactor = try nonNegative(value, "rule.std_factor") }
        return rule
    }

    func nonNegative(_ node: Node, _ key: String) throws -> Double {
        let value = try reader.number(node, key)
        guard value >= 0 else { throw reader.error(node, key, "must not be negative, got \(value)") }
        return value
    }

    func side(_ node: Node, _ name: String) throws -> ParitySide {
        let fields = try reader.mapping(node, name, allowed: Self.sideKeys)
        func text(_ key: String) throws -> String {
            try reader.string(try reader.required(fields, key, in: node, context: "\(name)."), "\(name).\(key)")
        }
        var changes: [String] = []
        if let list = fields["changes"] {
            guard case .sequence(let items) = list else {
                throw reader.error(list, "\(name).changes", "expected a list of texts")
            }
            changes = try items.map { try reader.string($0, "\(name).changes") }
        }
        let runsNode = try reader.required(fields, "runs", in: node, context: "\(name).")
        guard case .sequence(let items) = runsNode, !items.isEmpty else {
            throw reader.error(runsNode, "\(name).runs", "expected a non-empty list of runs")
        }
        let runs = try items.map { try run($0, "\(name).runs") }
        let seeds = runs.map(\.seed)
        guard Set(seeds).count == seeds.count else {
            throw reader.error(runsNode, "\(name).runs", "lists a seed twice")
        }
        return ParitySide(
            repository: try text("repository"), commit: try text("commit"), command: try text("command"),
            changes: changes, runs: runs)
    }

    func run(_ node: Node, _ context: String) throws -> ParityRun {
        let fields = try reader.mapping(node, context, allowed: Self.runKeys)
        let seed = try reader.integer(
            try reader.required(fields, "seed", in: node, context: "\(context)."), "\(context).seed")
        let key = "\(context)[seed \(seed)]"
        let pooled = try row(
            try reader.required(fields, "pooled_accuracy", in: node, context: "\(key)."), "\(key).pooled_accuracy")
        let tasks = pooled.count
        let matrix = try square(
            try reader.required(fields, "accuracy_matrix", in: node, context: "\(key)."), "\(key).accuracy_matrix",
            tasks: tasks)
        let aware = try fields["task_aware_matrix"].map { try square($0, "\(key).task_aware_matrix", tasks: tasks) }
        let seconds = try fields["seconds"].map { try nonNegative($0, "\(key).seconds") }
        return ParityRun(
            seed: seed, seconds: seconds, accuracyMatrix: matrix, pooledAccuracy: pooled, taskAwareMatrix: aware)
    }

    /// A list of accuracies in [0, 1]; `null` (not evaluated) reads as NaN.
    func row(_ node: Node, _ key: String) throws -> [Double] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw reader.error(node, key, "expected a non-empty list of accuracies")
        }
        return try items.map { item in
            if item.null != nil { return .nan }
            let value = try reader.number(item, key)
            guard (0...1).contains(value) else { throw reader.error(item, key, "accuracy \(value) is outside [0, 1]") }
            return value
        }
    }

    /// T rows of T accuracies, row i after training task i.
    func square(_ node: Node, _ key: String, tasks: Int) throws -> [[Double]] {
        guard case .sequence(let rows) = node, rows.count == tasks else {
            throw reader.error(
                node, key, "expected \(tasks) rows (one after each task, as many as pooled_accuracy has values)")
        }
        return try rows.map { rowNode in
            let values = try row(rowNode, key)
            guard values.count == tasks else {
                throw reader.error(rowNode, key, "a row has \(values.count) values, expected \(tasks)")
            }
            return values
        }
    }
}
