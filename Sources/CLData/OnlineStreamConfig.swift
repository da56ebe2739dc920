/// How a class- or task-incremental stream is delivered online (the protocol's
/// `stream: { ..., online: { batch_size: 10, eval_every: 500, boundaries: given } }`):
/// every training sample once, task after task, each task's samples in a seeded order, as
/// mini-batches of `batchSize` (a task's last batch may be smaller; no batch mixes tasks),
/// to learners that adopt `OnlineLearner`. The runner evaluates every task's test set each
/// time the stream passes a multiple of `evaluateEvery` samples, and at the end of every
/// task (METRICS.md, "Online streams").
public struct OnlineStreamConfig: Sendable, Equatable, CustomStringConvertible {
    /// Whether learners are told where tasks begin (`OnlineLearner.beginTask`) or see one
    /// unbroken stream of batches (task-free learning).
    public enum Boundaries: String, Sendable, CaseIterable {
        case given, hidden
    }

    /// Samples per incoming batch.
    public var batchSize: Int
    /// Stream samples between two anytime evaluations (besides those at task ends).
    public var evaluateEvery: Int
    public var boundaries: Boundaries

    public init(batchSize: Int, evaluateEvery: Int, boundaries: Boundaries = .given) {
        self.batchSize = batchSize
        self.evaluateEvery = evaluateEvery
        self.boundaries = boundaries
    }

    /// The keys of the `online:` block.
    public static let keys = ["batch_size", "eval_every", "boundaries"]

    /// The stream kinds that can be delivered online.
    public static let kinds: Set<StreamKind> = [.classIncremental, .taskIncremental]

    /// What the results file's configuration records (`stream.online`).
    public var description: String {
        "batch_size \(batchSize), eval_every \(evaluateEvery), boundaries \(boundaries.rawValue)"
    }
}
