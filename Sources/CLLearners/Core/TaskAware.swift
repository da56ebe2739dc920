import CLTensor

/// A learner that uses the task id at test time (task-incremental streams): one call per
/// batch returns both the task-aware scores (the given task's own head or embedding) and
/// the task-agnostic ones (the learner infers the task, as HNET+ENT does by entropy), so
/// the runner never predicts twice.
///
/// Learners without this capability predict once, task-agnostic, and the runner restricts
/// that prediction to the task's classes for task-aware accuracy.
public protocol TaskAware: Learner {
    func predict(_ batch: Tensor, knownTask task: Int) -> TaskAwarePrediction
}

/// The two predictions of a `TaskAware` learner for one batch.
public struct TaskAwarePrediction: Sendable {
    /// Scores with the task id given (the runner still takes the argmax within the task's classes).
    public var taskAware: Prediction
    /// Scores without it, over every class learned so far.
    public var taskAgnostic: Prediction

    public init(taskAware: Prediction, taskAgnostic: Prediction) {
        self.taskAware = taskAware
        self.taskAgnostic = taskAgnostic
    }
}
