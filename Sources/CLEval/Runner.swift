import CLData
import CLLearners
import CLTensor
import Foundation

/// Runs one learner with one seed over a stream: learn each task, evaluate on every
/// task's test set (the full matrix, including future tasks and a row before training),
/// write and flush after every task. It never knows which learner it runs.
public struct Runner {
    public let dataset: Dataset
    public let stream: TaskStream
    /// Samples per prediction batch during evaluation.
    public var evaluationBatch = 1024
    /// Test inputs are converted to float once per run and kept when they take at most
    /// this many bytes (the matrix evaluates every task's test set T+1 times).
    public var testCacheLimitBytes = 1 << 30

    public init(dataset: Dataset, stream: TaskStream) {
        self.dataset = dataset
        self.stream = stream
    }

    /// Runs `entry` with `seed`, writing `outputPath`; returns the metrics.
    /// - Parameter progress: receives one line per task (and the learner's own progress).
    @discardableResult
    public func run(_ entry: LearnerEntry, seed: Int, protocol spec: BenchmarkProtocol, outputPath: String,
                    progress: @escaping (String) -> Void = { _ in },
                    liveStatus: @escaping (String) -> Void = { _ in }) throws -> [String: Double] {
        let map = stream.learnerLabelOfOriginal
        let taskClasses = stream.tasks.map { $0.classes.map { map[$0] } }
        var metadata = ResultsWriter.Metadata(
            protocolName: spec.name, protocolYAML: spec.yaml, learner: entry.name, learnerConfig: entry.config.yaml,
            seed: seed, streamKind: stream.kind.rawValue, dataset: dataset.name, datasetSource: dataset.source,
            trainingPreset: entry.config.training.preset)
        metadata.learnerType = entry.learnerType
        let writer = try ResultsWriter(path: outputPath, metadata: metadata, stream: stream)
        do {
            let context = LearnerContext(seed: UInt64(seed), sampleShape: dataset.train.sampleShape,
                                         totalClassCount: stream.classOrder.count, taskCount: stream.tasks.count,
                                         streamKind: stream.kind.rawValue, progress: progress)
            context.liveStatus = liveStatus
            var learner = try entry.type.init(config: entry.config, context: context)
            let bookkeeping = EvaluationBookkeeping(taskClasses: taskClasses, classCount: stream.classOrder.count,
                                                    sharedClasses: stream.kind == .permuted,
                                                    fewShot: stream.kind == .fewShotIncremental)
            let truth = stream.tasks.map { task in task.testIndices.map { map[Int(dataset.test.labels[$0])] } }

            let testInputs = TestInputCache(dataset: dataset, stream: stream, batchSize: evaluationBatch,
                                            enabled: dataset.test.sampleSize * stream.tasks.reduce(0) { $0 + $1.testIndices.count } * 4 <= testCacheLimitBytes)
            let initial = evaluate(learner, trainedTask: -1, truth: truth, bookkeeping: bookkeeping, inputs: testInputs)
            try writer.writeInitialEvaluation(initial)
            var pooled: [Double] = []
            var matrix: [[Double]] = [initial.taskAccuracy]
            var fewShotAll: [Double] = []
            for (t, task) in stream.tasks.enumerated() {
                let data = TaskData(index: t, classes: taskClasses[t], seenClassCount: stream.seenClassCount(afterTask: t),
                                    split: dataset.train, sampleIndices: task.trainIndices,
                                    labels: task.trainIndices.map { Int32(map[Int(dataset.train.labels[$0])]) },
                                    pixelPermutation: task.pixelPermutation)
                let trainStart = RunEnvironment.monotonicSeconds()
                try learner.learn(data)
                let trainSeconds = RunEnvironment.monotonicSeconds() - trainStart
                let evalStart = RunEnvironment.monotonicSeconds()
                let evaluation = evaluate(learner, trainedTask: t, truth: truth, bookkeeping: bookkeeping, inputs: testInputs)
                let evalSeconds = RunEnvironment.monotonicSeconds() - evalStart
                try writer.writeTask(t, evaluation: evaluation, trainSeconds: trainSeconds, evalSeconds: evalSeconds)
                pooled.append(evaluation.pooledAccuracy)
                matrix.append(evaluation.taskAccuracy)
                if let row = evaluation.fewShotAccuracy { fewShotAll.append(row[0]) }
                progress(String(format: "  task %d/%d: %d classes, %d train samples, pooled accuracy %.4f (train %.2f s, eval %.2f s)",
                                t + 1, stream.tasks.count, task.classes.count, task.trainIndices.count,
                                evaluation.pooledAccuracy, trainSeconds, evalSeconds))
            }
            let metrics = Metrics.all(matrix: matrix, pooled: pooled,
                                      fscilSessionAccuracy: stream.kind == .fewShotIncremental ? fewShotAll : nil)
            try writer.writeDiagnostics(context.diagnostics, notes: context.notes)
            try writer.writeWeights(context.weights)
            try writer.finish(metrics: metrics)
            return metrics
        } catch {
            writer.fail(String(describing: error))
            throw error
        }
    }

    /// Evaluates the learner on every task's test set.
    private func evaluate(_ learner: any Learner, trainedTask: Int, truth: [[Int]], bookkeeping: EvaluationBookkeeping,
                          inputs: TestInputCache) -> TaskEvaluation {
        var predicted: [[Int]] = []
        var aware: [[Int]]? = stream.kind == .taskIncremental ? [] : nil
        for j in stream.tasks.indices {
            var taskPredicted: [Int] = []
            var taskAware: [Int] = []
            for chunk in 0..<inputs.chunkCount(task: j) {
                let batch = inputs.batch(task: j, chunk: chunk)
                let prediction = learner.predict(batch, task: nil)
                taskPredicted += prediction.argmax()
                if aware != nil {
                    let given = learner.predict(batch, task: j)
                    taskAware += given.argmax(restrictedTo: bookkeeping.taskClasses[j])
                }
            }
            predicted.append(taskPredicted)
            aware?.append(taskAware)
        }
        return bookkeeping.evaluate(trainedTask: trainedTask, truth: truth, predicted: predicted, predictedTaskAware: aware)
    }
}

/// Every task's test inputs as float batches, converted on first use and kept (when
/// enabled) for the T+1 evaluations of a run.
final class TestInputCache {
    private let dataset: Dataset
    private let stream: TaskStream
    private let batchSize: Int
    private let enabled: Bool
    private var cached: [[Int: Tensor]]

    init(dataset: Dataset, stream: TaskStream, batchSize: Int, enabled: Bool) {
        self.dataset = dataset
        self.stream = stream
        self.batchSize = batchSize
        self.enabled = enabled
        cached = Array(repeating: [:], count: stream.tasks.count)
    }

    func chunkCount(task: Int) -> Int { (stream.tasks[task].testIndices.count + batchSize - 1) / batchSize }

    func batch(task: Int, chunk: Int) -> Tensor {
        if let tensor = cached[task][chunk] { return tensor }
        let indices = stream.tasks[task].testIndices
        let start = chunk * batchSize, end = min(start + batchSize, indices.count)
        let tensor = dataset.test.batch(Array(indices[start..<end]), permutation: stream.tasks[task].pixelPermutation)
        if enabled { cached[task][chunk] = tensor }
        return tensor
    }
}
