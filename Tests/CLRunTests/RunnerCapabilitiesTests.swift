import CLData
import CLLearners
import CLTensor
import Foundation
import HDF5Kit
import Testing
@testable import CLConfig
@testable import CLResults
@testable import CLRun

/// Knows the classes it has learned (pixel 0 carries the label): on a learned class it puts
/// all mass on the true class; on a class not learned yet it is uniform over the learned
/// ones. So entropy is 0 on seen samples and ln(#learned) on unseen ones, every seen
/// prediction is right with confidence 1 (ECE 0), and entropy separates unseen from seen
/// perfectly (AUROC 1). As a Monte Carlo learner it reports an expected entropy of half the
/// entropy, so the mutual information is half the entropy. Counts its prediction calls.
private final class CallCounter: @unchecked Sendable { var predict = 0, distribution = 0, taskAware = 0 }
nonisolated(unsafe) private var calls = CallCounter()

private struct OracleDistributionLearner: UncertaintyEstimating, TaskAware {
    static let name = "oracle-distribution"
    static let summary = "test learner"
    static let labelMap = Hyperparameter<[Double]>("label_map", default: [], help: "original label -> learner label")
    static let hyperparameters = [labelMap.spec]
    static var samplesMonteCarlo: Bool { true }
    var known: [Int] = []
    let learnerLabel: [Int]
    init(config: LearnerConfig, context: LearnerContext) throws {
        learnerLabel = config[Self.labelMap].map { Int($0) }
    }
    mutating func learn(_ task: TaskData) throws { known += task.classes }

    func probabilities(_ batch: Tensor) -> Tensor {
        let n = batch.shape[0], columns = (known.max() ?? -1) + 1
        var p = [Float](repeating: 0, count: n * columns)
        for r in 0..<n where columns > 0 {
            let label = learnerLabel[Int((batch.scalars[r * 4] * 255).rounded())]
            if known.contains(label) {
                p[r * columns + label] = 1
            } else {
                for c in known { p[r * columns + c] = 1 / Float(known.count) }
            }
        }
        return Tensor(shape: [n, columns], scalars: p)
    }
    func predict(_ batch: Tensor, task: Int?) -> Prediction {
        calls.predict += 1
        return Prediction(scores: probabilities(batch), kind: .probabilities)
    }
    func predictDistribution(_ batch: Tensor, task: Int?, generator: inout SeededGenerator) -> PredictiveDistribution {
        calls.distribution += 1
        let p = probabilities(batch)
        let entropies = (0..<p.shape[0]).map { r in
            UncertaintyMetrics.entropy(p.scalars[(r * p.shape[1])..<((r + 1) * p.shape[1])])
        }
        return PredictiveDistribution(
            prediction: Prediction(scores: p, kind: .probabilities), probabilities: p,
            expectedEntropy: entropies.map { $0 / 2 })
    }
    func predict(_ batch: Tensor, knownTask task: Int) -> TaskAwarePrediction {
        calls.taskAware += 1
        let p = Prediction(scores: probabilities(batch), kind: .probabilities)
        return TaskAwarePrediction(taskAware: p, taskAgnostic: p)
    }
}

@Test func capabilityLearnersGetTheUncertaintyDatasetsAndOneCallPerBatch() throws {
    calls = CallCounter()
    let dataset = labelledDataset(classes: 6, trainPerClass: 3, testPerClass: 4)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: task-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = LearnerEntry(
        name: "oracle", learnerType: "oracle-distribution",
        config: try LearnerConfig(specs: OracleDistributionLearner.hyperparameters, given: labelMap(stream)),
        type: OracleDistributionLearner.self)
    let path = temporaryFolder() + "/run.h5"
    let metrics = try Runner(dataset: dataset, stream: stream).run(entry, seed: 1, protocol: spec, outputPath: path)

    // 3 tasks, one test batch each, 4 evaluation rows (before + after each task).
    #expect(calls.taskAware == 12)  // task-aware and task-agnostic scores in one call per batch
    #expect(calls.distribution == 9)  // the distribution after each task (not before any training)
    #expect(calls.predict == 0)  // never asked twice
    let record = try ResultsReader.read(path)
    let u = try #require(record.uncertainty)
    #expect(u.entropySeen == [0, 0, 0])
    let ln2 = log(2.0), ln4 = log(4.0)
    #expect(abs(u.entropyUnseen[0] - ln2) < 1e-6 && abs(u.entropyUnseen[1] - ln4) < 1e-6 && u.entropyUnseen[2].isNaN)
    #expect(u.aurocUnseen[0] == 1 && u.aurocUnseen[1] == 1 && u.aurocUnseen[2].isNaN)
    #expect(u.ece == [0, 0, 0])
    #expect(u.mutualInformationSeen == [0, 0, 0])
    #expect(abs(u.mutualInformationUnseen![1] - ln4 / 2) < 1e-6)
    // all 24 seen samples, confidence 1
    #expect(u.reliability.count == 15 && u.reliability[14][0] == 24 && u.reliability[14][2] == 1)
    #expect(metrics["ece"] == 0 && metrics["unseen_entropy_auroc"] == 1)
    #expect(record.metrics["unseen_entropy_auroc"] == 1)
    #expect(record.taskAwareAccuracy?[3] == [1, 1, 1])
}

@Test func plainLearnersGetNoUncertaintyDatasets() throws {
    let dataset = labelledDataset(classes: 4, trainPerClass: 3, testPerClass: 2)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: class-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = spec.learners[0]  // nmc: scores, not a distribution
    let path = temporaryFolder() + "/run.h5"
    let metrics = try Runner(dataset: dataset, stream: stream).run(entry, seed: 0, protocol: spec, outputPath: path)
    #expect(try ResultsReader.read(path).uncertainty == nil)
    #expect(metrics["ece"] == nil)
    let file = try HDF5File.open(path)
    #expect(!file.exists("/eval/uncertainty/ece"))
}

@Test func evaluationSeedsDependOnEveryPartAndNothingElse() {
    let a = Runner.evaluationSeed(run: 1, row: 2, task: 3, chunk: 4)
    #expect(a == Runner.evaluationSeed(run: 1, row: 2, task: 3, chunk: 4))
    let others = [
        Runner.evaluationSeed(run: 2, row: 2, task: 3, chunk: 4),
        Runner.evaluationSeed(run: 1, row: 3, task: 3, chunk: 4),
        Runner.evaluationSeed(run: 1, row: 2, task: 4, chunk: 4),
        Runner.evaluationSeed(run: 1, row: 2, task: 3, chunk: 5),
        Runner.evaluationSeed(run: 1, row: 3, task: 2, chunk: 4),
    ]
    #expect(Set(others + [a]).count == 6)
}

/// Infers task 0 for every sample once it has learned something, and counts its evaluate calls.
private final class EvaluateCounter: @unchecked Sendable { var calls = 0, predict = 0 }
nonisolated(unsafe) private var evaluations = EvaluateCounter()

private struct TaskGuessingLearner: Learner {
    static let name = "task-guessing"
    static let summary = "test learner"
    static let hyperparameters: [HyperparameterSpec] = []
    var learned = 0
    init(config: LearnerConfig, context: LearnerContext) throws {}
    mutating func learn(_ task: TaskData) throws { learned += 1 }
    func predict(_ batch: Tensor, task: Int?) -> Prediction {
        evaluations.predict += 1
        return Prediction(scores: Tensor(shape: [batch.shape[0], 6]))
    }
    func evaluate(_ batch: TestBatch, request: EvaluationRequest, generator: inout SeededGenerator) -> BatchEvaluation {
        evaluations.calls += 1
        let n = batch.inputs.shape[0]
        return BatchEvaluation(
            taskAgnostic: Prediction(scores: Tensor(shape: [n, 6])),
            inferredTasks: learned > 0 ? Array(repeating: 0, count: n) : nil)
    }
}

@Test func theRunnerAsksOncePerBatchAndRecordsTheInferredTasks() throws {
    evaluations = EvaluateCounter()
    let dataset = labelledDataset(classes: 6, trainPerClass: 3, testPerClass: 4)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: task-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = LearnerEntry(
        name: "guessing", learnerType: "task-guessing",
        config: try LearnerConfig(specs: [], given: [:]), type: TaskGuessingLearner.self)
    let path = temporaryFolder() + "/run.h5"
    try Runner(dataset: dataset, stream: stream).run(entry, seed: 0, protocol: spec, outputPath: path)
    #expect(evaluations.calls == 12 && evaluations.predict == 0)  // 3 test batches x 4 rows, one call each
    let file = try HDF5File.open(path)
    let (accuracy, shape) = try file.read(Double.self, at: "/learner/guessing/task_inference_accuracy")
    #expect(shape == [4, 3])
    // Row 0 (before training): nothing inferred, NaN; after each task: task 0 always right, the others never.
    #expect(accuracy.count == 12 && accuracy[0..<3].allSatisfy(\.isNaN))
    #expect(Array(accuracy[3...]) == [1, 0, 0, 1, 0, 0, 1, 0, 0])
    #expect(try file.read(Double.self, at: "/learner/guessing/inferred_task").values.count == 24)
}
