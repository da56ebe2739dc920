import CLResults

/// Per-run quantities the report derives from a `RunRecord`.
enum ReportRun {
    /// Number of tasks, taken from the stream when the record has it and from the accuracy
    /// matrix otherwise (synthetic or partly written records may lack the stream).
    static func taskCount(_ run: RunRecord) -> Int {
        if run.taskCount > 0 { return run.taskCount }
        return max(run.accuracyMatrix.first?.count ?? 0, run.pooledAccuracy.count)
    }

    /// Number of tasks the run finished training on.
    static func completedTasks(_ run: RunRecord) -> Int {
        run.pooledAccuracy.count
    }

    /// Forgetting of each task j < T − 1, as in `forgetting` of METRICS.md but not averaged:
    /// the best accuracy on j after any task l in [j, T − 2], minus the accuracy on j after the
    /// last task. Matrix row l + 1 holds "after task l". Empty when T < 2.
    static func forgettingPerTask(_ run: RunRecord) -> [Double] {
        let matrix = run.accuracyMatrix
        let tasks = matrix.first?.count ?? 0
        guard tasks >= 2, matrix.count >= tasks + 1 else { return [] }
        return (0..<(tasks - 1)).map { task in
            let earlier = (task...(tasks - 2)).map { matrix[$0 + 1][task] }.filter(\.isFinite)
            guard let best = earlier.max() else { return .nan }
            return best - matrix[tasks][task]
        }
    }

    /// Total of a per-task timing series.
    static func total(_ seconds: [Double]) -> Double {
        seconds.filter(\.isFinite).reduce(0, +)
    }
}
