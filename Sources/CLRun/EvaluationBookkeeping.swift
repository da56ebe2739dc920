import CLResults

/// Computes `TaskEvaluation`s from predictions; knows nothing of learners or files.
public struct EvaluationBookkeeping: Sendable {
    /// Learner labels introduced by each task.
    public let taskClasses: [[Int]]
    /// Total number of classes (learner labels 0 ..< classCount).
    public let classCount: Int
    /// Whether every task shares the same classes (permuted streams).
    public let sharedClasses: Bool
    /// Whether this is a few-shot stream (adds the session table).
    public let fewShot: Bool

    public init(taskClasses: [[Int]], classCount: Int, sharedClasses: Bool, fewShot: Bool) {
        self.taskClasses = taskClasses
        self.classCount = classCount
        self.sharedClasses = sharedClasses
        self.fewShot = fewShot
    }

    /// - Parameters:
    ///   - trainedTask: index of the last task trained, or -1 before any training.
    ///   - truth / predicted: per task, the true and predicted learner labels of its test samples.
    ///   - predictedTaskAware: per task, predictions restricted to that task's classes (or nil).
    public func evaluate(trainedTask: Int, truth: [[Int]], predicted: [[Int]], predictedTaskAware: [[Int]]?)
        -> TaskEvaluation
    {
        let taskCount = taskClasses.count
        func accuracy(_ t: [Int], _ p: [Int]) -> Double {
            t.isEmpty ? .nan : Double(zip(t, p).filter { $0 == $1 }.count) / Double(t.count)
        }
        let taskAccuracy = (0..<taskCount).map { accuracy(truth[$0], predicted[$0]) }
        let taskAware = predictedTaskAware.map { aware in
            (0..<taskCount).map { j -> Double in aware[j].contains(-1) ? .nan : accuracy(truth[j], aware[j]) }
        }
        let seenTasks = trainedTask >= 0 ? Array(0...trainedTask) : []

        var correct = 0, total = 0
        var classCorrect = [Int](repeating: 0, count: classCount), classTotal = [Int](repeating: 0, count: classCount)
        var errors: [Int32] = [0, 0, 0]
        let currentClasses = Set(trainedTask >= 0 ? taskClasses[trainedTask] : [])
        let oldClasses = Set(trainedTask > 0 ? taskClasses[0..<trainedTask].flatMap { $0 } : [])
        for j in seenTasks {
            for (t, p) in zip(truth[j], predicted[j]) {
                total += 1
                classTotal[t] += 1
                if t == p {
                    correct += 1
                    classCorrect[t] += 1
                } else if sharedClasses || currentClasses.contains(p) {
                    errors[1] += 1
                } else if oldClasses.contains(p) {
                    errors[0] += 1
                } else {
                    errors[2] += 1
                }
            }
        }
        let seenClasses = Set(seenTasks.flatMap { taskClasses[$0] })
        let perClass = (0..<classCount).map { c -> Double in
            seenClasses.contains(c) && classTotal[c] > 0 ? Double(classCorrect[c]) / Double(classTotal[c]) : .nan
        }
        let pooled = total > 0 ? Double(correct) / Double(total) : .nan

        var fewShotRow: [Double]? = nil
        if fewShot && trainedTask >= 0 {
            let base = taskAccuracy[0]
            let novelTasks = trainedTask >= 1 ? Array(1...trainedTask) : []
            let novelTruth = novelTasks.flatMap { truth[$0] }, novelPredicted = novelTasks.flatMap { predicted[$0] }
            let novel = accuracy(novelTruth, novelPredicted)
            fewShotRow = [pooled, base, novel, Metrics.harmonicMean(base, novel)]
        }
        return TaskEvaluation(
            taskAccuracy: taskAccuracy, taskAwareAccuracy: taskAware, pooledAccuracy: pooled,
            perClassAccuracy: perClass, oldNewErrors: errors, fewShotAccuracy: fewShotRow)
    }
}
