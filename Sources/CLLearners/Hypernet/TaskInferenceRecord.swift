import CLTensor

/// What the task inference chose during evaluation, kept for the diagnostics: the
/// task-inference accuracy per evaluation row and task (how often HNET+ENT picked the true
/// task: `/learner/<label>/task_inference_accuracy`, (T+1) x T, NaN before the first task)
/// and, for the latest evaluation row, the chosen task of every test sample in the order the
/// runner evaluates them (task 0's test set first: `/learner/<label>/inferred_task`).
///
/// A class: predictions are non-mutating, yet they must leave this trace. It also keeps the
/// task-agnostic result of the last batch, because the runner asks for the task-aware and
/// the task-agnostic prediction (`predict(_:knownTask:)`) and then the distribution of the
/// same batch (`predictDistribution`): the second call reuses the first's work.
final class TaskInferenceRecord {
    private let taskCount: Int
    private var correct: [[Int]]
    private var total: [[Int]]
    private var currentRow = -1
    private var chosenInRow: [Int] = []

    /// The last batch (its storage, compared by `==`, which is O(1) for the same array) and
    /// the task-agnostic probabilities computed for it.
    var lastBatch: [Float]?
    var lastAgnostic: Tensor?
    var lastLearnedCount = -1

    init(taskCount: Int) {
        self.taskCount = taskCount
        correct = Array(repeating: Array(repeating: 0, count: taskCount), count: taskCount + 1)
        total = correct
    }

    /// Adds one batch of choices for test samples of task `task`, evaluated after
    /// `learnedTasks` tasks (the row).
    func add(chosen: [Int], task: Int, learnedTasks: Int) {
        guard learnedTasks <= taskCount, task < taskCount else { return }
        if learnedTasks != currentRow { currentRow = learnedTasks; chosenInRow = [] }
        correct[learnedTasks][task] += chosen.filter { $0 == task }.count
        total[learnedTasks][task] += chosen.count
        chosenInRow += chosen
    }

    /// (T+1) x T accuracy of the task inference; NaN where nothing was inferred.
    var accuracyMatrix: Tensor {
        var scalars: [Float] = []
        for row in 0...taskCount {
            for task in 0..<taskCount {
                scalars.append(total[row][task] > 0 ? Float(correct[row][task]) / Float(total[row][task]) : .nan)
            }
        }
        return Tensor(shape: [taskCount + 1, taskCount], scalars: scalars)
    }

    /// The chosen task per test sample of the latest row.
    var latestChoices: Tensor { Tensor(shape: [chosenInRow.count], scalars: chosenInRow.map(Float.init)) }

    /// The counts behind `accuracyMatrix`, row-major (correct, then total), for a checkpoint.
    var savedCounts: [Int64] { (correct + total).flatMap { $0.map(Int64.init) } }

    /// Restores `savedCounts`.
    func load(counts: [Int64]) throws {
        let cells = (taskCount + 1) * taskCount
        guard counts.count == 2 * cells else {
            throw LearnerCheckpoint.Mismatch(name: "task_inference_counts", detail: "\(counts.count) values, expected \(2 * cells)")
        }
        let values = counts.map(Int.init)
        correct = (0...taskCount).map { Array(values[($0 * taskCount)..<(($0 + 1) * taskCount)]) }
        total = (0...taskCount).map { Array(values[(cells + $0 * taskCount)..<(cells + ($0 + 1) * taskCount)]) }
    }

    func record(in context: LearnerContext) {
        context.record("task_inference_accuracy", accuracyMatrix)
        context.record("inferred_task", latestChoices)
    }
}
