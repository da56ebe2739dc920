import CLData
import CLLearners
import CLTensor
import Foundation
import HDF5Kit
import Testing
@testable import CLConfig
@testable import CLResults
@testable import CLRun

/// Knows a class once it has observed one of its samples; predicts a sample's class (pixel
/// 0 of `labelledDataset`) when it knows it, else the first class it knows.
private struct ObservingLearner: OnlineLearner {
    static let name = "observing"
    static let summary = "test learner"
    static let labelMap = Hyperparameter<[Double]>("label_map", default: [], help: "original label -> learner label")
    static let hyperparameters = [labelMap.spec]
    @Saved var known: [Int] = []
    @Saved var boundaries: [Int] = []
    let learnerLabel: [Int]
    init(config: LearnerConfig, context: LearnerContext) throws { learnerLabel = config[Self.labelMap].map { Int($0) } }
    mutating func learn(_ task: TaskData) throws { Issue.record("an online stream calls observe, not learn") }
    mutating func beginTask(_ boundary: TaskBoundary) throws { boundaries.append(boundary.index) }
    mutating func observe(_ batch: OnlineBatch) throws {
        for label in batch.labels where !known.contains(label) { known.append(label) }
    }
    func predict(_ batch: Tensor, task: Int?) -> Prediction {
        let n = batch.shape[0], columns = (known.max() ?? -1) + 1
        var scores = [Float](repeating: 0, count: n * columns)
        for r in 0..<n where columns > 0 {
            let label = learnerLabel[Int((batch.scalars[r * 4] * 255).rounded())]
            scores[r * columns + (known.contains(label) ? label : known[0])] = 1
        }
        return Prediction(scores: Tensor(shape: [n, columns], scalars: scores))
    }
}

private func onlineProtocol(_ online: String) throws -> BenchmarkProtocol {
    try ProtocolParser.parse(
        text: """
            name: synthetic
            dataset: { name: synthetic }
            stream: { kind: class-incremental, classes_per_task: 2, online: \(online) }
            backbone: { kind: mlp, widths: [4] }
            training: { schedule: constant }
            learners: [ er ]
            """, path: "p.yaml")
}

/// An online run: every sample observed once (never `learn`), boundaries given, anytime
/// rows every eval_every samples and at task ends (NaN for tasks not reached), R the rows
/// at task ends, and the online metrics; online_accuracy counts exactly the first sample
/// of each class as wrong (6 of 30).
@Test func anOnlineRunWritesAnytimeEvaluationsAndOnlineMetrics() throws {
    let dataset = labelledDataset(classes: 6, trainPerClass: 5, testPerClass: 4)
    let spec = try onlineProtocol("{ batch_size: 1, eval_every: 4 }")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = LearnerEntry(
        name: "observing", learnerType: "observing",
        config: try LearnerConfig(specs: ObservingLearner.hyperparameters, given: labelMap(stream)),
        type: ObservingLearner.self)
    let path = temporaryFolder() + "/online.h5"
    let metrics = try Runner(dataset: dataset, stream: stream).run(entry, seed: 1, protocol: spec, outputPath: path)

    let record = try ResultsReader.read(path)
    let anytime = try #require(record.anytime)
    let points = OnlineSchedule.points(trainCounts: [10, 10, 10], batchSize: 1, evaluateEvery: 4)
    #expect(anytime.position == points.map(\.position))
    #expect(anytime.position == [4, 8, 10, 12, 16, 20, 24, 28, 30])
    #expect(anytime.accuracy.count == 9 && anytime.pooled.count == 9)
    for (row, point) in zip(anytime.accuracy, points) {
        let reached = row[...point.task].allSatisfy { !$0.isNaN }
        let notReached = row[(point.task + 1)...].allSatisfy { $0.isNaN }
        #expect(reached && notReached, "tasks not reached are NaN, the others not: \(row)")
    }
    // At task ends the learner knows every class so far: the rows are R's.
    let ends = points.indices.filter { points[$0].isTaskEnd }
    #expect(
        ends.map { anytime.accuracy[$0] }.map { $0.map { $0.isNaN ? -1 : $0 } } == [
            [1, -1, -1], [1, 1, -1], [1, 1, 1],
        ])
    #expect(record.accuracyMatrix.dropFirst().map { $0 } == [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    #expect(metrics["online_accuracy"] == 24.0 / 30.0)
    #expect(metrics["average_anytime_accuracy"] == Metrics.averageAnytimeAccuracy(pooled: anytime.pooled))
    #expect(metrics["worst_case_accuracy"] == 1 && metrics["forgetting_onpro"] == 0)
    #expect(record.metrics == metrics)
    #expect(record.configuration?.text.contains("stream.online") == true)
}

/// The runner refuses an online stream for a learner that does not learn online (the
/// parser does too, for protocol files), before it writes anything.
@Test func anOnlineStreamIsRefusedForALearnerThatIsNotOnline() throws {
    let dataset = labelledDataset(classes: 4, trainPerClass: 3, testPerClass: 2)
    let spec = try onlineProtocol("{ batch_size: 2, eval_every: 4 }")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = LearnerEntry(
        name: "nmc", learnerType: "nmc",
        config: try LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: [:]),
        type: NearestMeanClassifier.self)
    let path = temporaryFolder() + "/refused.h5"
    let message = inputErrorMessage {
        try Runner(dataset: dataset, stream: stream).run(entry, seed: 0, protocol: spec, outputPath: path)
    }
    #expect(message.contains("p.yaml: learner 'nmc' does not learn online"), "\(message)")
    #expect(!FileManager.default.fileExists(atPath: path))
}

private func inputErrorMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch let error as InputError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}
