import CLData
import CLTensor
@testable import CLLearners

/// Small synthetic problems for learner tests: every sample is generated from a seed, so
/// tests are reproducible, and shapes are tiny so that debug builds stay fast.
enum TestData {
    /// A task over `classes` whose samples are `perClass` noisy copies of a per-class centre
    /// (centres drawn from `centreSeed`, so two tasks built with the same seed share them).
    static func blobs(
        task index: Int, classes: [Int], seenClassCount: Int, perClass: Int, dimension: Int,
        spread: Float = 0.3, centreSeed: UInt64 = 7, sampleSeed: UInt64
    ) -> TaskData {
        var centreGenerator = SeededGenerator(seed: centreSeed)
        let maxClass = (classes.max() ?? 0) + 1
        let centres: [[Float]] = (0..<maxClass).map { _ in (0..<dimension).map { _ in centreGenerator.nextNormal() * 2 }
        }
        var generator = SeededGenerator(seed: sampleSeed)
        var rows: [Float] = []
        var labels: [Int32] = []
        for _ in 0..<perClass {
            for c in classes {
                rows += centres[c].map { $0 + spread * generator.nextNormal() }
                labels.append(Int32(c))
            }
        }
        return task(
            index: index, classes: classes, seenClassCount: seenClassCount, sampleShape: [dimension], scalars: rows,
            labels: labels)
    }

    /// A task from explicit samples.
    static func task(
        index: Int, classes: [Int], seenClassCount: Int, sampleShape: [Int], scalars: [Float], labels: [Int32]
    ) -> TaskData {
        let split = DataSplit(sampleShape: sampleShape, storage: .floats(scalars), labels: labels)
        return TaskData(
            index: index, classes: classes, seenClassCount: seenClassCount, split: split,
            sampleIndices: Array(0..<labels.count), labels: labels)
    }

    /// The same tasks with their samples in one split, as the tasks of a stream are (a
    /// learner that keeps earlier tasks by index, `joint`, relies on it).
    static func onOneSplit(_ tasks: [TaskData]) -> [TaskData] {
        let scalars = tasks.flatMap { $0.inputs(0..<$0.count).scalars }
        let labels = tasks.flatMap(\.labels)
        let split = DataSplit(sampleShape: tasks[0].sampleShape, storage: .floats(scalars), labels: labels)
        var start = 0
        return tasks.map { task in
            defer { start += task.count }
            return TaskData(
                index: task.index, classes: task.classes, seenClassCount: task.seenClassCount, split: split,
                sampleIndices: Array(start..<(start + task.count)), labels: task.labels)
        }
    }

    /// All inputs and labels of a task.
    static func all(_ task: TaskData) -> (inputs: Tensor, labels: [Int]) {
        (task.inputs(0..<task.count), task.labels.map(Int.init))
    }

    /// A context of its own; contexts given one `stages` cache share stages, as the learners of one run do.
    static func context(
        seed: UInt64 = 0, sampleShape: [Int], classes: Int = 10, tasks: Int = 2,
        stages: StageCache = StageCache(), learner: String = "test"
    ) -> LearnerContext {
        LearnerContext(
            seed: seed, sampleShape: sampleShape, totalClassCount: classes, taskCount: tasks,
            streamKind: "class-incremental",
            stageCache: stages, datasetDigest: "test-data", learnerDescription: learner)
    }

    static func training(
        epochs: Int, batchSize: Int = 16, lr: Double = 0.1, optimizer: String = "sgd",
        augment: [String] = []
    ) -> TrainingConfig {
        var config = TrainingConfig()
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = lr
        config.optimizer = optimizer
        config.augment = augment
        config.weightDecay = 0
        return config
    }

    /// Fraction of `predicted` equal to `truth`.
    static func accuracy(_ predicted: [Int], _ truth: [Int]) -> Double {
        Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }
}
