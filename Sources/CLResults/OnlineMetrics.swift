/// The metrics of online streams (METRICS.md, "Online streams"), as pure functions of the
/// anytime evaluations: at points e = 1 ... E (every `eval_every` stream samples and at
/// every task end), a_j(e) is the accuracy on task j's test set (NaN for tasks not yet
/// reached) and A_e the pooled accuracy over the tasks reached.
extension Metrics {
    /// The anytime evaluations of a run, as the runner records them.
    public struct Anytime: Sendable, Equatable {
        /// a_j(e): E rows of T accuracies, NaN for tasks not yet reached.
        public var accuracy: [[Double]]
        /// Stream samples seen at each point (E).
        public var position: [Int]
        /// A_e (E).
        public var pooled: [Double]

        public init(accuracy: [[Double]], position: [Int], pooled: [Double]) {
            self.accuracy = accuracy
            self.position = position
            self.pooled = pooled
        }
    }

    /// `average_anytime_accuracy` (AAA, Caccia et al. 2022): (1/E) Σ_e A_e.
    public static func averageAnytimeAccuracy(pooled: [Double]) -> Double {
        pooled.isEmpty ? .nan : pooled.reduce(0, +) / Double(pooled.count)
    }

    /// `worst_case_accuracy` (WC-Acc, Caccia et al. 2022), after the last task, k = T:
    /// (1/k)·R[T-1][T-1] + (1 − 1/k)·(1/(k−1)) Σ_{j<k−1} min_{e ≥ end of task j} a_j(e).
    /// `taskEnds[j]` is the stream position at the end of task j; a point is at or after it
    /// when its position is. With one task it is R[0][0].
    public static func worstCaseAccuracy(_ anytime: Anytime, taskEnds: [Int], matrix: [[Double]]) -> Double {
        let k = taskCount(matrix)
        guard k > 0, matrix.count > k, taskEnds.count == k else { return .nan }
        let last = after(matrix, k - 1, k - 1)
        guard k > 1 else { return last }
        var sum = 0.0
        for j in 0..<(k - 1) {
            let values = zip(anytime.position, anytime.accuracy).filter { $0.0 >= taskEnds[j] }.map { $0.1[j] }
            guard let worst = values.min() else { return .nan }
            sum += worst
        }
        return last / Double(k) + (1 - 1 / Double(k)) * sum / Double(k - 1)
    }

    /// `online_accuracy` (Cai et al. 2021): over all incoming training batches, the fraction
    /// of samples classified correctly before the learner learned from them. `correct[b]` and
    /// `counts[b]` are per batch (or any grouping of batches: only the sums matter).
    public static func onlineAccuracy(correct: [Int], counts: [Int]) -> Double {
        let total = counts.reduce(0, +)
        return total == 0 ? .nan : Double(correct.reduce(0, +)) / Double(total)
    }

    /// `forgetting_onpro` (OnPro's `compute_performance`): ((T−1)/T)·`forgetting`, the same
    /// per-task terms averaged over all T tasks, the last contributing 0; NaN for T = 1.
    public static func forgettingOnPro(_ matrix: [[Double]]) -> Double {
        let t = taskCount(matrix)
        guard t > 1 else { return .nan }
        return Double(t - 1) / Double(t) * forgetting(matrix)
    }

    /// The online keys (`onlineKeys`) of a complete online run.
    public static func online(
        _ anytime: Anytime, taskEnds: [Int], matrix: [[Double]], onlineCorrect: [Int], onlineCounts: [Int]
    ) -> [String: Double] {
        [
            "average_anytime_accuracy": averageAnytimeAccuracy(pooled: anytime.pooled),
            "worst_case_accuracy": worstCaseAccuracy(anytime, taskEnds: taskEnds, matrix: matrix),
            "online_accuracy": onlineAccuracy(correct: onlineCorrect, counts: onlineCounts),
            "forgetting_onpro": forgettingOnPro(matrix),
        ]
    }

    /// The keys `online` returns (in `MetricCatalog` too).
    public static let onlineKeys = [
        "average_anytime_accuracy", "worst_case_accuracy", "online_accuracy", "forgetting_onpro",
    ]
}
