import CLTensor

/// One test batch of the runner's evaluation. Its identity (`task`, `chunk`) is stable for the
/// whole run: the same pair always holds the same samples, so a learner may key per-batch
/// work on it (features of a frozen backbone, computed once for the T + 1 evaluations)
/// instead of on the batch's content.
public struct TestBatch: Sendable {
    public let inputs: Tensor
    /// The task whose test set the batch belongs to.
    public let task: Int
    /// The batch's position within that test set.
    public let chunk: Int

    public init(inputs: Tensor, task: Int, chunk: Int) {
        self.inputs = inputs
        self.task = task
        self.chunk = chunk
    }
}

/// What the runner wants for one test batch.
public struct EvaluationRequest: Sendable {
    /// The batch's task id, on streams that give it at test time (task-incremental,
    /// permuted): then task-aware scores are wanted besides the task-agnostic ones.
    public var knownTask: Int?
    /// Whether the predictive distribution is wanted (learners that give one).
    public var distribution: Bool

    public init(knownTask: Int? = nil, distribution: Bool = false) {
        self.knownTask = knownTask
        self.distribution = distribution
    }
}

/// Everything the runner evaluates for one test batch, from one call.
public struct BatchEvaluation: Sendable {
    /// Scores over every class learned so far, without the task id; accuracy is their argmax.
    public var taskAgnostic: Prediction
    /// Scores with the task id given (the runner takes the argmax within the task's classes);
    /// nil: the runner restricts `taskAgnostic` to the task's classes.
    public var taskAware: Prediction?
    /// The predictive distribution, when asked for and the learner gives one.
    public var distribution: PredictiveDistribution?
    /// The task a task-agnostic learner inferred for each sample (hypernet's HNET+ENT), from
    /// which the runner records `task_inference_accuracy` and `inferred_task`.
    public var inferredTasks: [Int]?

    public init(
        taskAgnostic: Prediction, taskAware: Prediction? = nil, distribution: PredictiveDistribution? = nil,
        inferredTasks: [Int]? = nil
    ) {
        self.taskAgnostic = taskAgnostic
        self.taskAware = taskAware
        self.distribution = distribution
        self.inferredTasks = inferredTasks
    }
}

extension Learner {
    /// The default evaluation: each capability asked at most once — the distribution
    /// (`UncertaintyEstimating`, whose prediction is then the task-agnostic one), the
    /// task-aware and task-agnostic pair (`TaskAware`), else `predict`. A learner that can
    /// give several of these from one pass overrides it.
    public func evaluate(_ batch: TestBatch, request: EvaluationRequest, generator: inout SeededGenerator)
        -> BatchEvaluation
    {
        var distribution: PredictiveDistribution?
        if request.distribution, let estimating = self as? any UncertaintyEstimating {
            distribution = estimating.predictDistribution(batch.inputs, task: nil, generator: &generator)
        }
        var pair: TaskAwarePrediction?
        if let task = request.knownTask, let aware = self as? any TaskAware {
            pair = aware.predict(batch.inputs, knownTask: task)
        }
        let agnostic = distribution?.prediction ?? pair?.taskAgnostic ?? predict(batch.inputs, task: nil)
        return BatchEvaluation(taskAgnostic: agnostic, taskAware: pair?.taskAware, distribution: distribution)
    }
}
