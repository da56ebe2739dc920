import CLData
import CLTensor

/// A learner that learns from a single-pass stream of small batches (the protocol's
/// `stream: { ..., online: { ... } }`): the runner hands it every training sample once, in
/// a seeded order, as `OnlineBatch`es, and evaluates it every `eval_every` samples and at
/// task ends. With `boundaries: given` it is told where each task begins (`beginTask`);
/// with `boundaries: hidden` it is not, and sees labels it has not seen before arrive
/// without warning.
///
/// A protocol with `online:` may list only learners that adopt this capability (the
/// parser refuses others, naming them). On an ordinary stream the runner calls `learn`,
/// which an online learner may implement as one pass of the task (see `ExperienceReplay`).
public protocol OnlineLearner: Learner {
    /// A task begins (only with `boundaries: given`); the default does nothing.
    mutating func beginTask(_ boundary: TaskBoundary) throws
    /// Learns from one incoming batch. The runner has already scored it for
    /// `online_accuracy`; the learner never sees a sample twice from the stream.
    mutating func observe(_ batch: OnlineBatch) throws
}

extension OnlineLearner {
    public mutating func beginTask(_ boundary: TaskBoundary) throws {}

    /// `task` delivered as an online stream (boundary given, batches of `batchSize` in the
    /// order `OnlineSchedule` fixes for `seed`): what an online learner's `learn` does on a
    /// stream that is not online, so that it sees each sample once there too.
    public mutating func learnInOnePass(_ task: TaskData, batchSize: Int, seed: UInt64) throws {
        try beginTask(TaskBoundary(task))
        var position = 0
        for positions in OnlineSchedule.batches(count: task.count, batchSize: batchSize, seed: seed, task: task.index) {
            try RunInterruption.checkpoint()
            try observe(OnlineBatch(task: task, positions: positions, streamPosition: position, taskKnown: true))
            position += positions.count
        }
    }
}

/// Where a task begins, as an online learner with `boundaries: given` is told it: which
/// task, which classes it introduces, how many classes are seen once it is in. Not its
/// data: that arrives batch by batch.
public struct TaskBoundary: Sendable, Equatable {
    public let index: Int
    public let classes: [Int]
    public let seenClassCount: Int

    public init(index: Int, classes: [Int], seenClassCount: Int) {
        self.index = index
        self.classes = classes
        self.seenClassCount = seenClassCount
    }

    public init(_ task: TaskData) {
        self.init(index: task.index, classes: task.classes, seenClassCount: task.seenClassCount)
    }
}
