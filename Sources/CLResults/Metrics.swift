/// The metrics of `specs/METRICS.md` as pure functions of the raw material.
///
/// `R` is the (T+1) x T accuracy matrix as stored: row 0 is the evaluation before any
/// training, row i+1 the evaluation after task i. The formulas in METRICS.md index rows
/// by "after task i"; `after(i, j)` below is that R[i][j]. Every function returns NaN
/// where the metric is undefined (T = 1 for forgetting-like metrics), never 0.
public enum Metrics {
    /// Number of tasks of a stored matrix.
    static func taskCount(_ matrix: [[Double]]) -> Int { matrix.first?.count ?? 0 }

    /// R[i][j] in METRICS.md notation: accuracy on task j after training on task i.
    static func after(_ matrix: [[Double]], _ i: Int, _ j: Int) -> Double { matrix[i + 1][j] }

    /// `final_accuracy`: pooled accuracy after the last task.
    public static func finalAccuracy(pooled: [Double]) -> Double { pooled.last ?? .nan }

    /// `average_incremental_accuracy`: mean of the pooled accuracy after each task.
    public static func averageIncrementalAccuracy(pooled: [Double]) -> Double {
        pooled.isEmpty ? .nan : pooled.reduce(0, +) / Double(pooled.count)
    }

    /// `final_task_mean_accuracy`: (1/T) Σ_j R[T-1][j].
    public static func finalTaskMeanAccuracy(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 0 else { return .nan }
        return (0..<t).map { after(matrix, t - 1, $0) }.reduce(0, +) / Double(t)
    }

    /// `forgetting` (Chaudhry et al. 2018): the max over l in [j, T-2] excludes the final step.
    public static func forgetting(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        let terms = (0..<(t - 1)).map { j in
            (j...(t - 2)).map { after(matrix, $0, j) }.max()! - after(matrix, t - 1, j)
        }
        return terms.reduce(0, +) / Double(t - 1)
    }

    /// `forgetting_pycil`: the max over l in [j, T-1] includes the final step.
    public static func forgettingPyCIL(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        let terms = (0..<(t - 1)).map { j in
            (j...(t - 1)).map { after(matrix, $0, j) }.max()! - after(matrix, t - 1, j)
        }
        return terms.reduce(0, +) / Double(t - 1)
    }

    /// `forgetting_avalanche`: accuracy right after learning j minus final accuracy on j.
    public static func forgettingAvalanche(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        let terms = (0..<(t - 1)).map { j in after(matrix, j, j) - after(matrix, t - 1, j) }
        return terms.reduce(0, +) / Double(t - 1)
    }

    /// `bwt` (Lopez-Paz & Ranzato 2017).
    public static func backwardTransfer(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        let terms = (0..<(t - 1)).map { j in after(matrix, t - 1, j) - after(matrix, j, j) }
        return terms.reduce(0, +) / Double(t - 1)
    }

    /// `bwt_all_pairs` (Díaz-Rodríguez et al. 2018; continuum `backward_transfer`).
    public static func backwardTransferAllPairs(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        var sum = 0.0
        for i in 1..<t { for j in 0..<i { sum += after(matrix, i, j) - after(matrix, j, j) } }
        return sum / Double(t * (t - 1) / 2)
    }

    /// `fwt` (Lopez-Paz & Ranzato 2017): accuracy on task j just before learning it,
    /// minus accuracy on j before any training (row 0).
    public static func forwardTransfer(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        let terms = (1..<t).map { j in after(matrix, j - 1, j) - matrix[0][j] }
        return terms.reduce(0, +) / Double(t - 1)
    }

    /// `plasticity`: (1/T) Σ_j R[j][j].
    public static func plasticity(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 0 else { return .nan }
        return (0..<t).map { after(matrix, $0, $0) }.reduce(0, +) / Double(t)
    }

    /// `performance_drop` of a few-shot stream: all-seen accuracy of session 0 minus the last.
    public static func performanceDrop(sessionAccuracy: [Double]) -> Double {
        guard let first = sessionAccuracy.first, let last = sessionAccuracy.last else { return .nan }
        return first - last
    }

    /// Harmonic mean of base and novel accuracy (0 where either is 0; NaN where novel is undefined).
    public static func harmonicMean(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return a + b == 0 ? 0 : 2 * a * b / (a + b)
    }

    /// The task-aware metrics of METRICS.md, from the task-aware matrix A (same layout as R):
    /// `final_task_aware_accuracy` = (1/T) Σ_j A[T-1][j] (Mammoth's Task-IL, hypercl's CL1) and
    /// `task_aware_forgetting`, the `forgetting` formula applied to A.
    public static func taskAware(_ matrix: [[Double]]) -> [String: Double] {
        ["final_task_aware_accuracy": finalTaskMeanAccuracy(matrix), "task_aware_forgetting": forgetting(matrix)]
    }

    /// The keys `taskAware(_:)` returns (in `MetricCatalog` too).
    public static let taskAwareKeys = ["final_task_aware_accuracy", "task_aware_forgetting"]

    /// Every metric of a complete run, by its results-file key.
    /// `fscilSessionAccuracy` (all-seen accuracy per session) adds `performance_drop`.
    public static func all(matrix: [[Double]], pooled: [Double], fscilSessionAccuracy: [Double]? = nil) -> [String:
        Double]
    {
        var values: [String: Double] = [
            "final_accuracy": finalAccuracy(pooled: pooled),
            "final_task_mean_accuracy": finalTaskMeanAccuracy(matrix),
            "average_incremental_accuracy": averageIncrementalAccuracy(pooled: pooled),
            "forgetting": forgetting(matrix),
            "forgetting_pycil": forgettingPyCIL(matrix),
            "forgetting_avalanche": forgettingAvalanche(matrix),
            "bwt": backwardTransfer(matrix),
            "bwt_all_pairs": backwardTransferAllPairs(matrix),
            "fwt": forwardTransfer(matrix),
            "plasticity": plasticity(matrix),
        ]
        if let sessions = fscilSessionAccuracy {
            values["performance_drop"] = performanceDrop(sessionAccuracy: sessions)
        }
        return values
    }
}
