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
    public static let knownMetrics = MetricCatalog.all.map(\.key)

    /// The tolerance for two samples of per-seed values. A side with fewer than two seeds has
    /// no standard deviation; the other side's then stands for both.
    public func tolerance(_ a: [Double], _ b: [Double]) -> Double {
        let deviations = [SeedStatistics(a).standardDeviation, SeedStatistics(b).standardDeviation].filter(\.isFinite)
        return max(minimumTolerance, standardDeviationFactor * (deviations.max() ?? 0))
    }
}
