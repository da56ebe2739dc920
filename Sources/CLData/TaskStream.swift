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
    /// The task's classes as learner labels (positions in the stream's class order).
    public var learnerClasses: [Int] = []
    /// Learner label of each training sample, in `trainIndices` order.
    public var trainLabels: [Int32] = []
    /// Learner label of each test sample, in `testIndices` order.
    public var testLabels: [Int32] = []

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

    /// The stream with every task's classes and samples labelled by learner labels: the one
    /// place where dataset labels are remapped (`StreamGenerator.make` calls it).
    public func labelled(by dataset: Dataset) -> TaskStream {
        let map = learnerLabelOfOriginal
        func learner(_ label: Int32) -> Int32 {
            let original = Int(label)
            return original >= 0 && original < map.count ? Int32(map[original]) : -1
        }
        var labelled = self
        for t in labelled.tasks.indices {
            labelled.tasks[t].learnerClasses = tasks[t].classes.map { $0 < map.count ? map[$0] : -1 }
            labelled.tasks[t].trainLabels = tasks[t].trainIndices.map { learner(dataset.train.labels[$0]) }
            labelled.tasks[t].testLabels = tasks[t].testIndices.map { learner(dataset.test.labels[$0]) }
        }
        return labelled
    }

    /// Number of classes seen after task `t` (all classes for permuted streams).
    public func seenClassCount(afterTask t: Int) -> Int {
        if kind == .permuted { return classOrder.count }
        return tasks[0...t].reduce(0) { $0 + $1.classes.count }
    }
}

extension StreamKind {
    /// Whether the task id is known at test time, so that task-aware accuracy (task id
    /// given, prediction within the task's classes) is recorded beside task-agnostic:
    /// task-incremental streams, and permuted ones (domain-incremental with the task given,
    /// "CL1" of the hypernetwork papers; within the task means over all classes there).
    public var recordsTaskAwareAccuracy: Bool { self == .taskIncremental || self == .permuted }
}
