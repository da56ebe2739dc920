/// The evaluation after one task (or before any training): every number the runner
/// records for that row, computed from predicted and true learner labels.
public struct TaskEvaluation: Sendable {
    /// Accuracy on each task's test set (task-agnostic prediction); NaN for empty test sets.
    public var taskAccuracy: [Double]
    /// Accuracy on each task's test set with prediction restricted to that task's classes
    /// (task-incremental streams only); NaN where the learner does not score those classes yet.
    public var taskAwareAccuracy: [Double]?
    /// Accuracy over all test samples of tasks 0 ... trainedTask, counting samples.
    public var pooledAccuracy: Double
    /// Accuracy per learner label over the seen tasks' test samples; NaN for unseen classes.
    public var perClassAccuracy: [Double]
    /// Errors on the seen tasks' test samples by where the prediction landed:
    /// [old classes, the current task's classes, unseen classes (or no prediction)].
    public var oldNewErrors: [Int32]
    /// Few-shot streams: [all seen, base, novel, harmonic mean] after this session.
    public var fewShotAccuracy: [Double]?

    public init(
        taskAccuracy: [Double], taskAwareAccuracy: [Double]?, pooledAccuracy: Double, perClassAccuracy: [Double],
        oldNewErrors: [Int32], fewShotAccuracy: [Double]?
    ) {
        self.taskAccuracy = taskAccuracy; self.taskAwareAccuracy = taskAwareAccuracy
        self.pooledAccuracy = pooledAccuracy; self.perClassAccuracy = perClassAccuracy
        self.oldNewErrors = oldNewErrors; self.fewShotAccuracy = fewShotAccuracy
    }
}
