import CLResults

/// One metric of one learner over its complete seeds, with the reason when it has no value.
public struct MetricSummary: Sendable {
    public let definition: MetricDefinition
    public let statistics: SeedStatistics
    /// Why the metric prints as "n/a"; nil when it has a value.
    public let unavailableReason: String?

    /// Metrics that compare an earlier task with a later one, and so need at least two tasks.
    static let needsTwoTasks: Set<String> = [
        "forgetting", "forgetting_pycil", "forgetting_avalanche", "bwt", "bwt_all_pairs", "fwt",
        "task_aware_forgetting",
    ]

    init(definition: MetricDefinition, runs: [RunRecord]) {
        self.definition = definition
        let values = runs.compactMap { $0.metrics[definition.key] }
        statistics = SeedStatistics(values)
        guard !statistics.isAvailable else {
            unavailableReason = nil
            return
        }
        let taskCount = runs.map(ReportRun.taskCount).max() ?? 0
        if MetricSummary.needsTwoTasks.contains(definition.key) && taskCount == 1 {
            unavailableReason = "undefined with a single task (T = 1)"
        } else if Metrics.taskAwareKeys.contains(definition.key) && runs.allSatisfy({ $0.taskAwareAccuracy == nil }) {
            unavailableReason = "only for streams with task ids at test time (task-incremental, permuted)"
        } else if definition.key == "performance_drop" && runs.allSatisfy({ $0.fscilAccuracy == nil }) {
            unavailableReason = "only for few-shot (FSCIL) streams"
        } else if values.isEmpty {
            unavailableReason = "not recorded in the results"
        } else {
            unavailableReason = "NaN in every seed"
        }
    }

    /// "0.8012 ± 0.0031" or "n/a".
    public var formatted: String { NumberFormat.meanAndDeviation(statistics) }
}
