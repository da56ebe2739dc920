import CLTensor

/// A continual learner: the one extension point of cl-bench.
///
/// To add a learner, write a type conforming to `Learner` and add it to
/// `LearnerRegistry.builtIn`, or, from your own package, pass it to `CLBenchCommand.main(learners:)`.
/// The runner calls `learn` once per task, in stream order, then `evaluate` (by default
/// `predict`) once per batch of every task's test set; it never knows which learner it runs.
public protocol Learner {
    /// The name protocol files use (`learners: [{ name: nmc }]`).
    static var name: String { get }
    /// One line saying what the learner does and which paper it follows.
    static var summary: String { get }
    /// Every hyperparameter, each declared once as a `Hyperparameter` (name, type, default,
    /// rules) that the learner reads typed values from; protocols may set only these, and
    /// the parser checks their rules before any data loads.
    static var hyperparameters: [HyperparameterSpec] { get }
    /// Backbone kinds the learner works with (nil: any).
    static var supportedBackbones: [String]? { get }

    init(config: LearnerConfig, context: LearnerContext) throws
    /// Learns one task's training data.
    mutating func learn(_ task: TaskData) throws
    /// Scores a batch ([n] + sample shape) over the classes learned so far. `task` is the
    /// task id where the protocol gives it at test time (task-incremental), else nil.
    func predict(_ batch: Tensor, task: Int?) -> Prediction
    /// Everything the runner evaluates for one test batch, from one call (under no-gradient
    /// mode). The default (`BatchEvaluation.swift`) composes `predict` and the capabilities;
    /// override it to give several results from one pass or to key work on the batch's identity.
    func evaluate(_ batch: TestBatch, request: EvaluationRequest, generator: inout SeededGenerator) -> BatchEvaluation
}

extension Learner {
    public static var supportedBackbones: [String]? { nil }
}
