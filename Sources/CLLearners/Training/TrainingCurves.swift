import CLTensor

/// Per-epoch training loss and accuracy of every task a learner trained on, recorded in
/// the results file as `/learner/<name>/train_loss`, `train_accuracy` (rows: trained
/// tasks in order, columns: epochs, NaN-padded) and `train_tasks` (the task of each row),
/// so that a diverging or under-trained run can be seen after the fact. Scalars a
/// learner's closure records (partial losses) become `train_<name>` of the same shape.
public final class TrainingCurves {
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

    /// Saves the curves, exactly (float64), one row per task.
    public func save(in checkpoint: inout LearnerCheckpoint, prefix: String = "curves.") {
        checkpoint.integers[prefix + "tasks"] = tasks.map(Int64.init)
        for (row, values) in losses.enumerated() { checkpoint.numbers[prefix + "loss.\(row)"] = values }
        for (row, values) in accuracies.enumerated() { checkpoint.numbers[prefix + "accuracy.\(row)"] = values }
        for (name, rows) in extras {
            for (row, values) in rows.enumerated() { checkpoint.numbers[prefix + "extra.\(name).\(row)"] = values }
        }
    }

    /// Restores what `save` wrote.
    public func restore(from checkpoint: LearnerCheckpoint, prefix: String = "curves.") {
        tasks = (checkpoint.integers[prefix + "tasks"] ?? []).map(Int.init)
        losses = tasks.indices.map { checkpoint.numbers[prefix + "loss.\($0)"] ?? [] }
        accuracies = tasks.indices.map { checkpoint.numbers[prefix + "accuracy.\($0)"] ?? [] }
        extras = [:]
        let extraPrefix = prefix + "extra."
        for key in checkpoint.numbers.keys where key.hasPrefix(extraPrefix) {
            let rest = key.dropFirst(extraPrefix.count)
            guard let dot = rest.lastIndex(of: ".") else { continue }
            let name = String(rest[..<dot])
            if extras[name] == nil {
                extras[name] = tasks.indices.map { checkpoint.numbers[extraPrefix + "\(name).\($0)"] ?? [] }
            }
        }
    }

    static func padded(_ rows: [[Double]]) -> Tensor {
        let width = max(1, rows.map(\.count).max() ?? 1)
        var scalars = [Float](repeating: .nan, count: rows.count * width)
        for (r, row) in rows.enumerated() { for (c, v) in row.enumerated() { scalars[r * width + c] = Float(v) } }
        return Tensor(shape: [rows.count, width], scalars: scalars)
    }
}
