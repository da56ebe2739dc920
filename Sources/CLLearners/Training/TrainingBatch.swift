import CLTensor

/// One mini-batch as a learner's per-batch closure sees it: every view of the samples,
/// their labels, where the loop stands, and a place to record scalars for the curves.
public final class TrainingBatch {
    /// One tensor per `TrainingView` of the loop, in the order the views were given.
    public let views: [Tensor]
    /// Labels of each view (4y + k for rotation views), row for row.
    public let viewLabels: [[Int]]
    /// Learner labels of the samples (before any rotation), in batch order.
    public let labels: [Int]
    /// Positions of the samples in the `TrainingSet`.
    public let positions: [Int]
    /// Task being trained, epoch (from 1) and step (from 0, counted over the whole run of the loop).
    public let task: Int, epoch: Int, step: Int
    /// The learning-rate multiplier of the schedule at this step (1 at the base rate).
    public let scheduleFactor: Float

    /// Scalars recorded by the closure this step, by name.
    private(set) var recorded: [String: Double] = [:]
    /// Correct and total predictions counted by the closure this step (for train accuracy).
    private(set) var correct = 0, counted = 0

    init(
        views: [Tensor], viewLabels: [[Int]], labels: [Int], positions: [Int], task: Int, epoch: Int, step: Int,
        scheduleFactor: Float
    ) {
        self.views = views
        self.viewLabels = viewLabels
        self.labels = labels
        self.positions = positions
        self.task = task
        self.epoch = epoch
        self.step = step
        self.scheduleFactor = scheduleFactor
    }

    /// The first view (the only one for most learners).
    public var inputs: Tensor { views[0] }
    /// Number of samples (before rotation).
    public var count: Int { labels.count }

    /// Records a scalar (a partial loss, say); the curves keep its per-epoch mean as
    /// `train_<name>`.
    public func record(_ name: String, _ value: Double) { recorded[name, default: 0] += value }

    /// Counts argmax(logits) == labels row by row, for the `train_accuracy` curve.
    public func countCorrect(logits: Tensor, labels: [Int]) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "logits [n, classes] and n labels")
        let columns = logits.shape[1]
        guard columns > 0 else { counted += labels.count; return }
        logits.scalars.withUnsafeBufferPointer { s in
            for (row, label) in labels.enumerated() {
                let base = row &* columns
                var best = 0
                for c in 1..<columns where s[base &+ c] > s[base &+ best] { best = c }
                if best == label { correct += 1 }
            }
        }
        counted += labels.count
    }
}
