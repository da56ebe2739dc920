import CLConfig
import CLData
import CLLearners
import CLResults
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
    /// Stages the learners of one protocol run share (`LearnerContext.reuse`); a runner made
    /// on its own shares nothing.
    public var stageCache = StageCache()
    /// The dataset's content digest, part of every stage key (computed when not given).
    public var datasetDigest: String?
    /// What the results file records as its configuration (`RunConfiguration`); built from the
    /// entry, the protocol's stream and the dataset when not given.
    public var configuration: RunConfiguration?

    public init(dataset: Dataset, stream: TaskStream) {
        self.dataset = dataset
        self.stream = stream
    }

    /// Runs `entry` with `seed`, writing `outputPath`; returns the metrics.
    /// - Parameter progress: receives one line per task (and the learner's own progress).
    /// - Parameter resume: continue from the checkpoint beside `outputPath` (see
    ///   `RunCheckpoint`); the caller has checked that one exists.
    @discardableResult
    public func run(
        _ entry: LearnerEntry, seed: Int, protocol spec: BenchmarkProtocol, outputPath: String,
        resume: Bool = false,
        progress: @escaping (String) -> Void = { _ in },
        liveStatus: @escaping (String) -> Void = { _ in }
    ) throws -> [String: Double] {
        let taskClasses = stream.tasks.map(\.learnerClasses)
        let uncertainty = (entry.type as? any UncertaintyEstimating.Type).map { $0.samplesMonteCarlo }
        var metadata = ResultsWriter.Metadata(
            protocolName: spec.name, protocolYAML: spec.yaml, learner: entry.name, learnerConfig: entry.config.yaml,
            seed: seed, streamKind: stream.kind.rawValue, dataset: dataset.name, datasetSource: dataset.source,
            trainingPreset: entry.config.training.preset)
        metadata.learnerType = entry.learnerType
        metadata.uncertainty = uncertainty.map { $0 ? .monteCarlo : .distribution }
        let digest = datasetDigest ?? dataset.contentDigest.description
        let configuration =
            self.configuration
            ?? RunConfiguration(
                entry: entry, backbone: entry.config.backbone, stream: spec.stream, online: spec.online,
                dataset: dataset, datasetDigest: digest)
        // An online stream: its anytime points, known before the run (METRICS.md, "Online streams").
        let trainCounts = stream.tasks.map(\.trainIndices.count)
        let points = spec.online.map {
            OnlineSchedule.points(trainCounts: trainCounts, batchSize: $0.batchSize, evaluateEvery: $0.evaluateEvery)
        }
        if spec.online != nil, !(entry.type is any OnlineLearner.Type) {
            throw InputError(
                file: spec.sourcePath,
                "learner '\(entry.learnerType)' does not learn online (it does not adopt OnlineLearner), "
                    + "so it cannot run a stream with online:")
        }
        metadata.configuration = configuration.text
        metadata.configurationDigest = configuration.digest
        let checkpoint = resume ? try RunCheckpoint.read(for: outputPath) : nil
        if checkpoint == nil && FileManager.default.fileExists(atPath: outputPath) {
            progress("  \(outputPath) exists: kept as \(outputPath).previous (replacing an older .previous)")
        }
        if !resume { RunCheckpoint.remove(for: outputPath) }
        let writer =
            try checkpoint.map {
                try ResultsWriter(
                    resuming: outputPath, completedTasks: $0.completedTasks, taskCount: stream.tasks.count,
                    learner: entry.name)
            }
            ?? ResultsWriter(
                path: outputPath, metadata: metadata, stream: stream, anytimePositions: points?.map(\.position))
        var completed = checkpoint?.completedTasks ?? 0
        do {
            let context = LearnerContext(
                seed: UInt64(seed), sampleShape: dataset.train.sampleShape,
                totalClassCount: stream.classOrder.count, taskCount: stream.tasks.count,
                streamKind: stream.kind.rawValue, stageCache: stageCache,
                datasetDigest: digest,
                learnerDescription: "\(entry.name), seed \(seed)", progress: progress)
            context.liveStatus = liveStatus
            var learner = try entry.type.init(config: entry.config, context: context)
            let bookkeeping = EvaluationBookkeeping(
                taskClasses: taskClasses, classCount: stream.classOrder.count,
                sharedClasses: stream.kind == .permuted,
                fewShot: stream.kind == .fewShotIncremental)
            let truth = stream.tasks.map { $0.testLabels.map(Int.init) }

            let testInputs = TestInputCache(
                dataset: dataset, stream: stream, batchSize: evaluationBatch,
                enabled: dataset.test.sampleSize * stream.tasks.reduce(0) { $0 + $1.testIndices.count } * 4
                    <= testCacheLimitBytes)
            var pooled: [Double] = []
            var matrix: [[Double]] = []
            /// The task-aware matrix A (streams with task ids at test time), rows as `matrix`.
            var taskAwareMatrix: [[Double]] = []
            var fewShotAll: [Double] = []
            var uncertaintyRows: [UncertaintyRow] = []
            /// Online streams: a_j(e) and A_e of the points so far, and per task the incoming
            /// samples scored right before learning from them.
            var anytime = Metrics.Anytime(accuracy: [], position: [], pooled: [])
            var onlineCorrect: [Int] = [], onlineCounts: [Int] = []
            // Only a learner whose whole state is declared can be checkpointed (`LearnerState`).
            let undeclared = LearnerState.undeclaredState(of: learner)
            if !undeclared.isEmpty {
                progress(
                    "  \(entry.learnerType) holds random generators outside its declared state ("
                        + undeclared.joined(separator: ", ")
                        + "): no checkpoint is kept, so --resume would restart it; declare them @Saved")
            }
            if let checkpoint {
                do {
                    try LearnerState.restore(learner, from: checkpoint.learner)
                } catch {
                    throw InputError(
                        file: RunCheckpoint.path(for: outputPath),
                        "does not fit learner '\(entry.name)' (\(error)); "
                            + "delete it to restart the run from its first task"
                    )
                }
                for (name, tensor) in checkpoint.diagnostics { context.record(name, tensor) }
                for (name, text) in checkpoint.notes { context.note(name, text) }
                (pooled, matrix, taskAwareMatrix, fewShotAll, uncertaintyRows) = (
                    checkpoint.pooled, checkpoint.matrix, checkpoint.taskAwareMatrix, checkpoint.fewShotAll,
                    checkpoint.uncertaintyRows
                )
                (anytime.accuracy, anytime.pooled) = (checkpoint.anytimeMatrix, checkpoint.anytimePooled)
                (onlineCorrect, onlineCounts) = (checkpoint.onlineCorrect, checkpoint.onlineCounts)
                progress(
                    "  resumed after task \(checkpoint.completedTasks)/\(stream.tasks.count) from "
                        + "\(RunCheckpoint.path(for: outputPath))"
                )
            } else {
                let initial = evaluate(
                    learner, trainedTask: -1, seed: seed, truth: truth, bookkeeping: bookkeeping,
                    inputs: testInputs, context: context)
                try writer.writeInitialEvaluation(initial.evaluation)
                matrix = [initial.evaluation.taskAccuracy]
                taskAwareMatrix = initial.evaluation.taskAwareAccuracy.map { [$0] } ?? []
            }
            for (t, task) in stream.tasks.enumerated() where t >= completed {
                try RunInterruption.checkpoint()
                let data = TaskData(stream: stream, index: t, split: dataset.train)
                let trainStart = RunEnvironment.monotonicSeconds()
                var outcome: OnlineTaskOutcome? = nil
                if let online = spec.online, let points, var onlineLearner = learner as? any OnlineLearner {
                    outcome = try deliverOnline(
                        &onlineLearner, task: data, online: online, points: points,
                        startPosition: trainCounts[..<t].reduce(0, +), seed: seed, truth: truth, inputs: testInputs)
                    learner = onlineLearner
                } else {
                    try learner.learn(data)
                }
                let anytimeSeconds = outcome?.evaluationSeconds ?? 0
                let trainSeconds = RunEnvironment.monotonicSeconds() - trainStart - anytimeSeconds
                let evalStart = RunEnvironment.monotonicSeconds()
                let (evaluation, uncertaintyRow) = evaluate(
                    learner, trainedTask: t, seed: seed, truth: truth,
                    bookkeeping: bookkeeping, inputs: testInputs, context: context)
                let evalSeconds = RunEnvironment.monotonicSeconds() - evalStart + anytimeSeconds
                if let outcome {
                    // The task's points: those inside it, then its end (tasks not yet reached NaN).
                    let end = evaluation.taskAccuracy.enumerated().map { $0.offset <= t ? $0.element : .nan }
                    let first = anytime.accuracy.count
                    try writer.writeAnytime(
                        rows: outcome.rows + [end], pooled: outcome.pooled + [evaluation.pooledAccuracy],
                        startingAt: first)
                    anytime.accuracy += outcome.rows + [end]
                    anytime.pooled += outcome.pooled + [evaluation.pooledAccuracy]
                    onlineCorrect.append(outcome.correct)
                    onlineCounts.append(outcome.count)
                }
                try writer.writeTask(
                    t, evaluation: evaluation, uncertainty: uncertaintyRow,
                    trainSeconds: trainSeconds, evalSeconds: evalSeconds)
                pooled.append(evaluation.pooledAccuracy)
                matrix.append(evaluation.taskAccuracy)
                if let row = evaluation.taskAwareAccuracy { taskAwareMatrix.append(row) }
                if let row = evaluation.fewShotAccuracy { fewShotAll.append(row[0]) }
                if let uncertaintyRow { uncertaintyRows.append(uncertaintyRow) }
                completed = t + 1
                LearnerState.recordCurves(of: learner, in: context)
                if undeclared.isEmpty {
                    try RunCheckpoint(
                        completedTasks: completed, learner: LearnerState.checkpoint(of: learner),
                        diagnostics: context.diagnostics, notes: context.notes, matrix: matrix,
                        taskAwareMatrix: taskAwareMatrix, pooled: pooled,
                        fewShotAll: fewShotAll, uncertaintyRows: uncertaintyRows,
                        anytimeMatrix: anytime.accuracy, anytimePooled: anytime.pooled,
                        onlineCorrect: onlineCorrect, onlineCounts: onlineCounts
                    ).write(for: outputPath)
                }
                progress(
                    String(
                        format:
                            "  task %d/%d: %d classes, %d train samples, pooled accuracy %.4f (train %.2f s, "
                            + "eval %.2f s)",
                        t + 1, stream.tasks.count, task.classes.count, task.trainIndices.count,
                        evaluation.pooledAccuracy, trainSeconds, evalSeconds)
                        + (uncertaintyRow.map {
                            String(format: ", entropy seen %.3f / unseen %.3f", $0.entropySeen, $0.entropyUnseen)
                        } ?? ""))
            }
            var metrics = Metrics.all(
                matrix: matrix, pooled: pooled,
                fscilSessionAccuracy: stream.kind == .fewShotIncremental ? fewShotAll : nil)
            metrics.merge(UncertaintyRow.metrics(uncertaintyRows)) { _, new in new }
            // METRICS.md: task-incremental and permuted streams report the task-aware keys beside the others.
            if taskAwareMatrix.count == matrix.count {
                metrics.merge(Metrics.taskAware(taskAwareMatrix)) { _, new in new }
            }
            if let points {
                anytime.position = points.map(\.position)
                metrics.merge(
                    Metrics.online(
                        anytime, taskEnds: OnlineSchedule.taskEnds(trainCounts: trainCounts), matrix: matrix,
                        onlineCorrect: onlineCorrect, onlineCounts: onlineCounts)
                ) { _, new in new }
            }
            if let last = uncertaintyRows.last { try writer.writeReliability(last.reliability) }
            try writer.writeDiagnostics(context.diagnostics, notes: context.notes)
            try writer.writeWeights(LearnerState.weights(of: learner))
            try writer.finish(metrics: metrics)
            RunCheckpoint.remove(for: outputPath)
            return metrics
        } catch var interrupted as RunInterrupted {
            writer.interrupt("interrupted by \(interrupted.signal) after \(completed) of \(stream.tasks.count) tasks")
            interrupted.resultsPath = outputPath
            interrupted.completedTasks = completed
            interrupted.taskCount = stream.tasks.count
            throw interrupted
        } catch {
            writer.fail(String(describing: error))
            throw error
        }
    }

    /// Evaluates the learner on every task's test set, asking it once per batch
    /// (`Learner.evaluate`, under no-gradient mode) for everything this stream records: the
    /// task-agnostic scores, the task-aware ones on task-incremental streams, the distribution
    /// when the learner gives one. Task-aware accuracy without task-aware scores restricts the
    /// task-agnostic prediction to the task's classes. Inferred tasks, when a learner reports
    /// them, become its `task_inference_accuracy` and `inferred_task` diagnostics.
    private func evaluate(
        _ learner: any Learner, trainedTask: Int, seed: Int, truth: [[Int]],
        bookkeeping: EvaluationBookkeeping, inputs: TestInputCache, context: LearnerContext
    )
        -> (evaluation: TaskEvaluation, uncertainty: UncertaintyRow?)
    {
        let taskAware = stream.kind.recordsTaskAwareAccuracy
        let distributions = trainedTask >= 0 ? learner as? any UncertaintyEstimating : nil
        var uncertainty = distributions.map { Swift.type(of: $0).samplesMonteCarlo }
            .map { UncertaintyEvaluation(taskCount: stream.tasks.count, monteCarlo: $0) }
        var inference = TaskInferenceTally(taskCount: stream.tasks.count, row: trainedTask + 1)
        var predicted: [[Int]] = []
        var aware: [[Int]]? = taskAware ? [] : nil
        for j in stream.tasks.indices {
            var taskPredicted: [Int] = []
            var taskAwarePredicted: [Int] = []
            for chunk in 0..<inputs.chunkCount(task: j) {
                let batch = TestBatch(inputs: inputs.batch(task: j, chunk: chunk), task: j, chunk: chunk)
                let request = EvaluationRequest(knownTask: taskAware ? j : nil, distribution: distributions != nil)
                var generator = SeededGenerator(
                    seed: Self.evaluationSeed(run: seed, row: trainedTask + 1, task: j, chunk: chunk))
                let result = withoutGradient { learner.evaluate(batch, request: request, generator: &generator) }
                let labels = result.taskAgnostic.argmax()
                if let distribution = result.distribution {
                    let start = taskPredicted.count
                    uncertainty?.add(
                        task: j, distribution: distribution, predicted: labels,
                        truth: truth[j][start..<(start + labels.count)])
                }
                if let chosen = result.inferredTasks { inference.add(chosen: chosen, task: j) }
                taskPredicted += labels
                if taskAware {
                    taskAwarePredicted += (result.taskAware ?? result.taskAgnostic).argmax(
                        restrictedTo: bookkeeping.taskClasses[j])
                }
            }
            predicted.append(taskPredicted)
            aware?.append(taskAwarePredicted)
        }
        inference.record(in: context)
        let evaluation = bookkeeping.evaluate(
            trainedTask: trainedTask, truth: truth, predicted: predicted, predictedTaskAware: aware)
        return (evaluation, uncertainty?.row(trainedTask: trainedTask))
    }

    /// The seed of a sampling learner's generator for one test batch: a function of the run
    /// seed, the evaluation row, the task and the batch only (SplitMix64 finaliser), so
    /// sampled predictions do not depend on evaluation order or on other batches.
    static func evaluationSeed(run: Int, row: Int, task: Int, chunk: Int) -> UInt64 {
        var z = UInt64(truncatingIfNeeded: run) &* 0x9E37_79B9_7F4A_7C15
        for part in [row, task, chunk] {
            z = (z ^ UInt64(truncatingIfNeeded: part)) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
        }
        return z
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
