import CLTensor

/// Per-epoch training loss and accuracy of every task a learner trained on, recorded in
/// the results file as `/learner/<name>/train_loss`, `train_accuracy` (rows: trained
/// tasks in order, columns: epochs, NaN-padded) and `train_tasks` (the task of each row),
/// so that a diverging or under-trained run can be seen after the fact.
public final class TrainingCurves {
    public private(set) var tasks: [Int] = []
    public private(set) var losses: [[Double]] = []
    public private(set) var accuracies: [[Double]] = []

    public init() {}

    /// Starts the curve of a task.
    public func begin(task: Int) {
        tasks.append(task)
        losses.append([])
        accuracies.append([])
    }

    /// Adds one epoch's mean loss and accuracy to the current task's curve.
    public func append(loss: Double, accuracy: Double) {
        precondition(!tasks.isEmpty, "begin(task:) first")
        losses[losses.count - 1].append(loss)
        accuracies[accuracies.count - 1].append(accuracy)
    }

    /// Writes the curves into the learner's diagnostics (replacing earlier records).
    public func record(in context: LearnerContext, prefix: String = "") {
        guard !tasks.isEmpty else { return }
        context.record(prefix + "train_loss", Self.padded(losses))
        context.record(prefix + "train_accuracy", Self.padded(accuracies))
        context.record(prefix + "train_tasks", Tensor(shape: [tasks.count], scalars: tasks.map(Float.init)))
    }

    static func padded(_ rows: [[Double]]) -> Tensor {
        let width = max(1, rows.map(\.count).max() ?? 1)
        var scalars = [Float](repeating: .nan, count: rows.count * width)
        for (r, row) in rows.enumerated() { for (c, v) in row.enumerated() { scalars[r * width + c] = Float(v) } }
        return Tensor(shape: [rows.count, width], scalars: scalars)
    }
}
