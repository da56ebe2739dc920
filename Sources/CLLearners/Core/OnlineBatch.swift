import CLTensor

/// One incoming batch of an online stream: the samples' inputs and learner labels, and
/// where the stream stands. Which samples they are (indices into the dataset, never
/// pixels) stays inside `CLLearners`, for the `ReplayBuffer` to keep.
public struct OnlineBatch {
    /// Inputs [n] + sample shape, pixels in [0, 1].
    public let inputs: Tensor
    /// Learner labels, row for row.
    public let labels: [Int]
    /// The task the samples come from when boundaries are given, nil when they are hidden.
    public let task: Int?
    /// Stream samples delivered before this batch.
    public let streamPosition: Int
    /// The task the samples belong to, and their task-local positions in it.
    let source: TaskData
    let positions: [Int]

    /// The samples at task-local `positions` of `task`; `taskKnown` false hides the task id.
    public init(task: TaskData, positions: [Int], streamPosition: Int, taskKnown: Bool, inputs: Tensor? = nil) {
        self.inputs = inputs ?? task.inputs(at: positions)
        labels = positions.map { Int(task.labels[$0]) }
        self.task = taskKnown ? task.index : nil
        self.streamPosition = streamPosition
        source = task
        self.positions = positions
    }

    /// Number of samples.
    public var count: Int { labels.count }
}

extension OnlineBatch {
    /// The batch's samples as a task of their own (same index, classes and split): what
    /// `TrainingSet` and `InputNormalization.fit` take.
    var samples: TaskData {
        TaskData(
            index: source.index, classes: source.classes, seenClassCount: source.seenClassCount, split: source.split,
            sampleIndices: positions.map { source.sampleIndices[$0] }, labels: positions.map { source.labels[$0] },
            pixelPermutation: source.pixelPermutation)
    }
}
