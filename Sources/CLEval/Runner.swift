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

    public init(dataset: Dataset, stream: TaskStream) {
        self.dataset = dataset
        self.stream = stream
    }

    /// Runs `entry` with `seed`, writing `outputPath`; returns the metrics.
    /// - Parameter progress: receives one line per task (and the learner's own progress).
    @discardableResult
    public func run(_ entry: LearnerEntry, seed: Int, protocol spec: BenchmarkProtocol, outputPath: String,
                    progress: @escaping (String) -> Void = { _ in }) throws -> [String: Double] {
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
            var learner = try entry.type.init(config: entry.config, context: context)
            let bookkeeping = EvaluationBookkeeping(taskClasses: taskClasses, classCount: stream.classOrder.count,
                                                    sharedClasses: stream.kind == .permuted,
                                                    fewShot: stream.kind == .fewShotIncremental)
            let truth = stream.tasks.map { task in task.testIndices.map { map[Int(dataset.test.labels[$0])] } }

            let initial = evaluate(learner, trainedTask: -1, truth: truth, bookkeeping: bookkeeping)
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
                let evaluation = evaluate(learner, trainedTask: t, truth: truth, bookkeeping: bookkeeping)
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
            try writer.finish(metrics: metrics)
            return metrics
        } catch {
            writer.fail(String(describing: error))
            throw error
        }
    }

    /// Evaluates the learner on every task's test set.
    private func evaluate(_ learner: any Learner, trainedTask: Int, truth: [[Int]], bookkeeping: EvaluationBookkeeping) -> TaskEvaluation {
        var predicted: [[Int]] = []
        var aware: [[Int]]? = stream.kind == .taskIncremental ? [] : nil
        for (j, task) in stream.tasks.enumerated() {
            var taskPredicted: [Int] = []
            var taskAware: [Int] = []
            var start = 0
            while start < task.testIndices.count {
                let end = min(start + evaluationBatch, task.testIndices.count)
                let batch = dataset.test.batch(Array(task.testIndices[start..<end]), permutation: task.pixelPermutation)
                let prediction = learner.predict(batch, task: nil)
                taskPredicted += prediction.argmax()
                if aware != nil {
                    let given = learner.predict(batch, task: j)
                    taskAware += given.argmax(restrictedTo: bookkeeping.taskClasses[j])
                }
                start = end
            }
            predicted.append(taskPredicted)
            aware?.append(taskAware)
        }
        return bookkeeping.evaluate(trainedTask: trainedTask, truth: truth, predicted: predicted, predictedTaskAware: aware)
    }
}
