/// The output units of the target network that belong to one task, and the learner labels
/// they stand for (same order). Task-incremental: the task's own classes; permuted: the
/// task's block of units for the shared classes 0 ..< C (the multi-head network of the
/// official `--split_head_cl3` runs).
struct TaskHead: Sendable, Equatable, Codable {
    let columns: [Int]
    let classes: [Int]

    /// Position of a learner label within the head (its local label for the softmax).
    func localLabel(of label: Int) -> Int {
        guard let index = classes.firstIndex(of: label) else {
            preconditionFailure("label \(label) is not one of the task's classes \(classes)")
        }
        return index
    }

    /// The head layout of a stream: the number of output units of the target network and
    /// the head of task `index` with classes `classes`.
    struct Layout: Sendable {
        let permuted: Bool
        let classCount: Int
        let taskCount: Int

        var outputSize: Int { permuted ? taskCount * classCount : classCount }

        func head(task index: Int, classes: [Int]) -> TaskHead {
            if permuted {
                return TaskHead(
                    columns: Array((index * classCount)..<((index + 1) * classCount)), classes: Array(0..<classCount))
            }
            return TaskHead(columns: classes, classes: classes)
        }
    }
}
