import CLTensor

/// Per-epoch training loss and accuracy of every task a learner trained on, recorded in
/// the results file as `/learner/<name>/train_loss`, `train_accuracy` (rows: trained
/// tasks in order, columns: epochs, NaN-padded) and `train_tasks` (the task of each row),
/// so that a diverging or under-trained run can be seen after the fact. A learner declares
/// its curves by holding them (`let curves = TrainingCurves()`): they are saved with its
/// state and recorded after every task by the runner (`LearnerState.recordCurves`). Scalars a
/// learner's closure records (partial losses) become `train_<name>` of the same shape.
public final class TrainingCurves: StatePart {
    public private(set) var tasks: [Int] = []
    public private(set) var losses: [[Double]] = []
    public private(set) var accuracies: [[Double]] = []
    /// Per-epoch means of the scalars a learner recorded, by name; rows as `losses`.
    public private(set) var extras: [String: [[Double]]] = [:]

    public init() {}

    /// Starts the curve of a task.
    public func begin(task: Int) {
        tasks.append(task)
        losses.append([])
        accuracies.append([])
        for name in extras.keys { extras[name]!.append([]) }
    }

    /// Adds one epoch's mean loss and accuracy (NaN when not measured), and recorded
    /// scalars, to the current task's curve.
    public func append(loss: Double, accuracy: Double, extras epochExtras: [String: Double] = [:]) {
        precondition(!tasks.isEmpty, "begin(task:) first")
        losses[losses.count - 1].append(loss)
        accuracies[accuracies.count - 1].append(accuracy)
        for (name, value) in epochExtras {
            if extras[name] == nil { extras[name] = Array(repeating: [], count: tasks.count) }
            let epoch = losses[losses.count - 1].count - 1
            var row = extras[name]![tasks.count - 1]
            while row.count < epoch { row.append(.nan) }
            row.append(value)
            extras[name]![tasks.count - 1] = row
        }
    }

    /// Writes the curves into the learner's diagnostics (replacing earlier records).
    public func record(in context: LearnerContext, prefix: String = "") {
        guard !tasks.isEmpty else { return }
        context.record(prefix + "train_loss", Self.padded(losses))
        context.record(prefix + "train_accuracy", Self.padded(accuracies))
        context.record(prefix + "train_tasks", Tensor(shape: [tasks.count], scalars: tasks.map(Float.init)))
        for (name, rows) in extras { context.record(prefix + "train_" + name, Self.padded(rows)) }
    }

    static func padded(_ rows: [[Double]]) -> Tensor {
        let width = max(1, rows.map(\.count).max() ?? 1)
        var scalars = [Float](repeating: .nan, count: rows.count * width)
        for (r, row) in rows.enumerated() { for (c, v) in row.enumerated() { scalars[r * width + c] = Float(v) } }
        return Tensor(shape: [rows.count, width], scalars: scalars)
    }
}

extension TrainingCurves {
    private struct Saved: Codable {
        var tasks: [Int], losses: [[Double]], accuracies: [[Double]], extras: [String: [[Double]]]
    }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        try checkpoint.store(Saved(tasks: tasks, losses: losses, accuracies: accuracies, extras: extras), as: name)
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        let saved = try checkpoint.value(Saved.self, named: name)
        (tasks, losses, accuracies, extras) = (saved.tasks, saved.losses, saved.accuracies, saved.extras)
    }
}
