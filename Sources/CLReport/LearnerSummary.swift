import CLResults

/// What the report shows for one learner under one protocol, pooled over its complete seeds.
public struct LearnerSummary: Sendable {
    public let learner: String
    /// The complete runs the numbers come from, sorted by seed.
    public let runs: [RunRecord]
    /// Every metric of `MetricCatalog`, in catalogue order.
    public let metrics: [MetricSummary]
    /// Accuracy matrix, element by element over seeds; (T + 1) x T, row 0 before training.
    public let accuracyMatrix: [[SeedStatistics]]
    /// The task-aware matrix A (task id given at test time), elementwise over seeds; nil on
    /// streams without task ids at test time.
    public let taskAwareAccuracyMatrix: [[SeedStatistics]]?
    /// Pooled accuracy after each task.
    public let pooledAccuracy: [SeedStatistics]
    /// Forgetting of each task j < T − 1 (see `ReportRun.forgettingPerTask`).
    public let forgettingPerTask: [SeedStatistics]
    /// Few-shot sessions x [all, base, novel, harmonic mean]; nil when no run has them.
    public let fscilAccuracy: [[SeedStatistics]]?
    /// Uncertainty per task over seeds (learners that give a distribution); nil otherwise.
    public let uncertainty: UncertaintySummary?

    public init(learner: String, runs: [RunRecord]) {
        self.learner = learner
        self.runs = runs.sorted { $0.seed < $1.seed }
        metrics = MetricCatalog.all.map { MetricSummary(definition: $0, runs: runs) }
        accuracyMatrix = LearnerSummary.elementwise(runs.map(\.accuracyMatrix))
        let taskAware = runs.compactMap(\.taskAwareAccuracy)
        taskAwareAccuracyMatrix = taskAware.isEmpty ? nil : LearnerSummary.elementwise(taskAware)
        pooledAccuracy = LearnerSummary.elementwise(runs.map { [$0.pooledAccuracy] }).first ?? []
        forgettingPerTask = LearnerSummary.elementwise(runs.map { [ReportRun.forgettingPerTask($0)] }).first ?? []
        let sessions = runs.compactMap(\.fscilAccuracy)
        fscilAccuracy = sessions.isEmpty ? nil : LearnerSummary.elementwise(sessions)
        let records = runs.compactMap(\.uncertainty)
        uncertainty = records.isEmpty ? nil : UncertaintySummary(records)
    }

    /// Seeds the numbers come from.
    public var seeds: [Int] { runs.map(\.seed) }

    /// The summary of metric `key`.
    public func metric(_ key: String) -> MetricSummary? {
        metrics.first { $0.definition.key == key }
    }

    /// Statistics of each cell over several matrices; a cell missing from a matrix (a shorter
    /// run) counts as not evaluated rather than shrinking the result.
    static func elementwise(_ matrices: [[[Double]]]) -> [[SeedStatistics]] {
        let rows = matrices.map(\.count).max() ?? 0
        return (0..<rows).map { row in
            let columns = matrices.map { row < $0.count ? $0[row].count : 0 }.max() ?? 0
            return (0..<columns).map { column in
                SeedStatistics(matrices.map { row < $0.count && column < $0[row].count ? $0[row][column] : .nan })
            }
        }
    }
}

/// A learner's uncertainty datasets, element by element over its seeds.
public struct UncertaintySummary: Sendable {
    public let entropySeen: [SeedStatistics], entropyUnseen: [SeedStatistics], aurocUnseen: [SeedStatistics]
    public let ece: [SeedStatistics]
    public let mutualInformationSeen: [SeedStatistics]?, mutualInformationUnseen: [SeedStatistics]?
    /// Per confidence bin: [samples, mean confidence, accuracy].
    public let reliability: [[SeedStatistics]]

    init(_ records: [UncertaintyRecord]) {
        func series(_ values: [[Double]]) -> [SeedStatistics] {
            LearnerSummary.elementwise(values.map { [$0] }).first ?? []
        }
        entropySeen = series(records.map(\.entropySeen))
        entropyUnseen = series(records.map(\.entropyUnseen))
        aurocUnseen = series(records.map(\.aurocUnseen))
        ece = series(records.map(\.ece))
        let seen = records.compactMap(\.mutualInformationSeen), unseen = records.compactMap(\.mutualInformationUnseen)
        mutualInformationSeen = seen.isEmpty ? nil : series(seen)
        mutualInformationUnseen = unseen.isEmpty ? nil : series(unseen)
        reliability = LearnerSummary.elementwise(records.map(\.reliability))
    }
}
