/// What kind of continual stream a protocol asks for.
public enum StreamKind: String, Sendable, CaseIterable {
    case classIncremental = "class-incremental"
    case taskIncremental = "task-incremental"
    case fewShotIncremental = "few-shot-incremental"
    case permuted = "permuted"
}

/// One task (or few-shot session) of a stream: which classes it introduces and which
/// samples of the dataset belong to it. A plain value: nothing is loaded or copied.
public struct StreamTask: Sendable, Equatable {
    /// Position of the task in the stream, from 0.
    public var index: Int
    /// Original dataset labels of the classes this task introduces, in class order.
    public var classes: [Int]
    /// Indices into `dataset.train` of this task's training samples.
    public var trainIndices: [Int]
    /// Indices into `dataset.test` of this task's test samples (test samples of `classes`).
    public var testIndices: [Int]
    /// For permuted streams: the fixed pixel permutation applied to every sample of the
    /// task (see `DataSplit.batch(_:permutation:)`); nil otherwise.
    public var pixelPermutation: [Int]?

    public init(index: Int, classes: [Int], trainIndices: [Int], testIndices: [Int], pixelPermutation: [Int]? = nil) {
        self.index = index
        self.classes = classes
        self.trainIndices = trainIndices
        self.testIndices = testIndices
        self.pixelPermutation = pixelPermutation
    }
}

/// An ordered sequence of tasks over one dataset, with its class order.
///
/// Learners see labels remapped to positions in `classOrder` ("learner labels"): the
/// first class of task 0 is 0, and so on. For permuted streams every task has the same
/// classes and the labels are the dataset's own.
public struct TaskStream: Sendable {
    public var kind: StreamKind
    /// Original dataset labels in order of first appearance.
    public var classOrder: [Int]
    public var tasks: [StreamTask]

    public init(kind: StreamKind, classOrder: [Int], tasks: [StreamTask]) {
        self.kind = kind
        self.classOrder = classOrder
        self.tasks = tasks
    }

    /// Maps an original dataset label to its learner label (its position in `classOrder`);
    /// indexed by original label, -1 for labels not in the stream.
    public var learnerLabelOfOriginal: [Int] {
        let size = (classOrder.max() ?? -1) + 1
        var map = [Int](repeating: -1, count: size)
        for (position, label) in classOrder.enumerated() { map[label] = position }
        return map
    }

    /// Number of classes seen after task `t` (all classes for permuted streams).
    public func seenClassCount(afterTask t: Int) -> Int {
        if kind == .permuted { return classOrder.count }
        return tasks[0...t].reduce(0) { $0 + $1.classes.count }
    }
}
