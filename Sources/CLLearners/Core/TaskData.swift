import CLData
import CLTensor

/// One task's training data as a learner sees it: samples of the classes the task
/// introduces, labelled with learner labels (positions in the stream's class order).
public struct TaskData: Sendable {
    /// Position of the task in the stream, from 0.
    public let index: Int
    /// Learner labels of the classes this task introduces.
    public let classes: [Int]
    /// Number of classes seen after this task (including it).
    public let seenClassCount: Int
    /// Learner label of every training sample, in sample order.
    public let labels: [Int32]
    /// The split the samples come from, and which of its samples belong to the task.
    let split: DataSplit
    let sampleIndices: [Int]
    let pixelPermutation: [Int]?

    public init(
        index: Int, classes: [Int], seenClassCount: Int, split: DataSplit, sampleIndices: [Int],
        labels: [Int32], pixelPermutation: [Int]? = nil
    ) {
        precondition(sampleIndices.count == labels.count)
        self.index = index
        self.classes = classes
        self.seenClassCount = seenClassCount
        self.split = split
        self.sampleIndices = sampleIndices
        self.labels = labels
        self.pixelPermutation = pixelPermutation
    }

    /// Number of training samples.
    public var count: Int { sampleIndices.count }
    /// Shape of one input sample.
    public var sampleShape: [Int] { split.sampleShape }

    /// Inputs at task-local positions (0 ..< count) as a float tensor, pixels in [0, 1].
    public func inputs(at positions: [Int]) -> Tensor {
        split.batch(positions.map { sampleIndices[$0] }, permutation: pixelPermutation)
    }

    /// Inputs of task-local positions `range`.
    public func inputs(_ range: Range<Int>) -> Tensor { inputs(at: Array(range)) }
}

extension TaskData {
    /// Task `index` of `stream` as a learner sees it: the stream's learner labels (already
    /// remapped by `TaskStream.labelled(by:)`), samples from `split`.
    public init(stream: TaskStream, index: Int, split: DataSplit) {
        let task = stream.tasks[index]
        self.init(
            index: index, classes: task.learnerClasses, seenClassCount: stream.seenClassCount(afterTask: index),
            split: split, sampleIndices: task.trainIndices, labels: task.trainLabels,
            pixelPermutation: task.pixelPermutation)
    }
}

extension TaskData {
    /// A task without its data split: what a learner that keeps earlier tasks' samples (by
    /// index, never pixels) saves with its state (`@Saved`), and rebuilds on the split of the
    /// task at hand, which every task of a stream shares.
    public struct Record: Codable, Sendable {
        let index: Int, classes: [Int], seenClassCount: Int
        let sampleIndices: [Int], labels: [Int32], pixelPermutation: [Int]?
    }

    public var record: Record {
        Record(
            index: index, classes: classes, seenClassCount: seenClassCount, sampleIndices: sampleIndices,
            labels: labels, pixelPermutation: pixelPermutation)
    }

    /// The task `record` describes, its samples from `split`.
    public init(_ record: Record, split: DataSplit) {
        self.init(
            index: record.index, classes: record.classes, seenClassCount: record.seenClassCount, split: split,
            sampleIndices: record.sampleIndices, labels: record.labels, pixelPermutation: record.pixelPermutation)
    }
}
