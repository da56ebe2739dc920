import CLLearners
import CLTensor

/// What a task-agnostic learner inferred during one evaluation row (`BatchEvaluation.
/// inferredTasks`), recorded as its diagnostics `task_inference_accuracy` ((T+1) x T: how
/// often the inferred task was the true one, per evaluation row and test task; NaN where
/// nothing was inferred) and `inferred_task` (the choice for every test sample of the latest
/// row, in evaluation order). Earlier rows come from the context's diagnostics, which a
/// resumed run restores from its checkpoint, so the matrix survives an interruption.
struct TaskInferenceTally {
    let taskCount: Int
    let row: Int
    private var correct: [Int]
    private var total: [Int]
    private var choices: [Int] = []

    init(taskCount: Int, row: Int) {
        self.taskCount = taskCount
        self.row = row
        correct = Array(repeating: 0, count: taskCount)
        total = correct
    }

    mutating func add(chosen: [Int], task: Int) {
        guard task < taskCount else { return }
        correct[task] += chosen.filter { $0 == task }.count
        total[task] += chosen.count
        choices += chosen
    }

    /// Writes this row into the context's matrix; nothing when no batch inferred a task.
    func record(in context: LearnerContext) {
        guard total.contains(where: { $0 > 0 }), (0...taskCount).contains(row) else { return }
        let shape = [taskCount + 1, taskCount]
        var matrix =
            context.diagnostics["task_inference_accuracy"].flatMap { $0.shape == shape ? $0 : nil }
            ?? Tensor(shape: shape, repeating: .nan)
        for task in 0..<taskCount {
            matrix.scalars[row * taskCount + task] = total[task] > 0 ? Float(correct[task]) / Float(total[task]) : .nan
        }
        context.record("task_inference_accuracy", matrix)
        context.record("inferred_task", Tensor(shape: [choices.count], scalars: choices.map(Float.init)))
    }
}
