import CLData
import CLLearners
import CLTensor
import Foundation
import HDF5Kit
import Testing
@testable import CLConfig
@testable import CLResults
@testable import CLRun

/// A dataset whose samples carry their label in pixel 0 (value = label), so a learner
/// can be exactly right or exactly wrong, and the expected matrix is known by reasoning.
func labelledDataset(classes: Int, trainPerClass: Int, testPerClass: Int) -> Dataset {
    func split(_ perClass: Int) -> DataSplit {
        var bytes: [UInt8] = [], labels: [Int32] = []
        for c in 0..<classes {
            for k in 0..<perClass { bytes += [UInt8(c), UInt8(k % 256), 0, 0]; labels.append(Int32(c)) }
        }
        return DataSplit(sampleShape: [1, 2, 2], storage: .bytes(bytes), labels: labels)
    }
    return Dataset(
        name: "synthetic", classNames: (0..<classes).map { "c\($0)" },
        train: split(trainPerClass), test: split(testPerClass), source: "memory")
}

/// Remembers the learner labels it has seen; predicts a sample's true learner label when
/// its class has been learned, else the first learned class ("forgets" nothing).
private struct MemorizingLearner: Learner {
    static let name = "memorizing"
    static let summary = "test learner"
    static let failAtTask = Hyperparameter<Int>("fail_at_task", default: -1, help: "throw when learning this task")
    static let labelMap = Hyperparameter<[Double]>("label_map", default: [], help: "original label -> learner label")
    static let hyperparameters = [failAtTask.spec, labelMap.spec]
    var known: [Int] = []
    let failAt: Int
    let learnerLabel: [Int]
    init(config: LearnerConfig, context: LearnerContext) throws {
        failAt = config[Self.failAtTask]
        learnerLabel = config[Self.labelMap].map { Int($0) }
        context.record("curve", Tensor(shape: [2], scalars: [1, 2]))
        context.note("comment", "hello")
    }
    mutating func learn(_ task: TaskData) throws {
        if task.index == failAt { throw InputError(file: "", "deliberate failure at task \(task.index)") }
        known += task.classes
        #expect(Set(task.labels.map(Int.init)) == Set(task.classes))
    }
    func predict(_ batch: Tensor, task: Int?) -> Prediction {
        let n = batch.shape[0], columns = (known.max() ?? -1) + 1
        var scores = [Float](repeating: 0, count: n * columns)
        for r in 0..<n where columns > 0 {
            let label = learnerLabel[Int((batch.scalars[r * 4] * 255).rounded())]
            let predicted = known.contains(label) ? label : known[0]
            scores[r * columns + predicted] = 1
        }
        return Prediction(scores: Tensor(shape: [n, columns], scalars: scores))
    }
}

func labelMap(_ stream: TaskStream) -> [String: HyperparameterValue] {
    ["label_map": .numbers(stream.learnerLabelOfOriginal.map(Double.init))]
}

func temporaryFolder() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cleval-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func protocolText(_ stream: String) -> String {
    "name: synthetic\ndataset: { name: synthetic }\nstream: \(stream)\nlearners: [ { name: nmc } ]\n"
}

@Test func classIncrementalRunWritesTheFullSchemaAndReadsBack() throws {
    let dataset = labelledDataset(classes: 6, trainPerClass: 5, testPerClass: 4)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: class-incremental, classes_per_task: 2, class_order: [4, 5, 0, 1, 2, 3] }"),
        path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let entry = LearnerEntry(
        name: "memorizing", learnerType: "memorizing",
        config: try LearnerConfig(specs: MemorizingLearner.hyperparameters, given: labelMap(stream)),
        type: MemorizingLearner.self)
    let path = temporaryFolder() + "/run.h5"
    let metrics = try Runner(dataset: dataset, stream: stream).run(entry, seed: 3, protocol: spec, outputPath: path)

    let record = try ResultsReader.read(path)
    #expect(record.status == "complete" && record.learner == "memorizing" && record.seed == 3)
    #expect(record.learnerType == "memorizing")
    #expect(record.classOrder == [4, 5, 0, 1, 2, 3])
    #expect(record.taskClasses == [[4, 5], [0, 1], [2, 3]])
    #expect(record.trainCounts == [10, 10, 10] && record.testCounts == [8, 8, 8])
    // Perfect on learned tasks; future tasks' samples are predicted as class 0 -> wrong.
    #expect(record.accuracyMatrix == [[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]])
    #expect(record.pooledAccuracy == [1, 1, 1])
    #expect(record.metrics["forgetting"] == 0 && record.metrics["final_accuracy"] == 1)
    #expect(record.metrics == metrics)
    #expect(record.protocolYAML == spec.yaml)
    #expect(record.trainSeconds.count == 3 && record.evalSeconds.allSatisfy { $0 >= 0 })
    #expect((record.peakRSSBytes ?? 0) > 0)

    let file = try HDF5File.open(path)
    #expect(try file.read(Float.self, at: "/learner/memorizing/curve").values == [1, 2])
    #expect(try file.attribute("comment", at: "/learner/memorizing") == .string("hello"))
    let perClass = try file.read(Double.self, at: "/eval/per_class_accuracy")
    #expect(perClass.shape == [3, 6])
    #expect(perClass.values[0] == 1 && perClass.values[2].isNaN)  // after task 0: class 2 unseen
    #expect(try file.read(Int32.self, at: "/eval/old_new_errors").values == [0, 0, 0, 0, 0, 0, 0, 0, 0])
    #expect(!file.exists("/eval/task_aware_accuracy") && !file.exists("/eval/fscil_accuracy"))
}

@Test func failingLearnerLeavesCompletedTasksAndStatusFailed() throws {
    let dataset = labelledDataset(classes: 6, trainPerClass: 3, testPerClass: 2)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: class-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let config = try LearnerConfig(
        specs: MemorizingLearner.hyperparameters, given: labelMap(stream).merging(["fail_at_task": .integer(2)]) { $1 })
    let path = temporaryFolder() + "/failed.h5"
    #expect(throws: InputError.self) {
        try Runner(dataset: dataset, stream: stream).run(
            LearnerEntry(name: "memorizing", learnerType: "memorizing", config: config, type: MemorizingLearner.self),
            seed: 0, protocol: spec, outputPath: path)
    }
    let record = try ResultsReader.read(path)
    #expect(record.status == "failed")
    #expect(record.error?.contains("deliberate failure at task 2") == true)
    #expect(record.pooledAccuracy == [1, 1])
    #expect(record.accuracyMatrix[2] == [1, 1, 0])
    #expect(record.accuracyMatrix[3].allSatisfy { $0.isNaN })
    #expect(record.metrics.isEmpty)
}

@Test func taskIncrementalRecordsTaskAwareAccuracy() throws {
    let dataset = labelledDataset(classes: 4, trainPerClass: 3, testPerClass: 2)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: task-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let path = temporaryFolder() + "/til.h5"
    try Runner(dataset: dataset, stream: stream).run(
        LearnerEntry(
            name: "memorizing", learnerType: "memorizing",
            config: try LearnerConfig(specs: MemorizingLearner.hyperparameters, given: labelMap(stream)),
            type: MemorizingLearner.self),
        seed: 0, protocol: spec, outputPath: path)
    let aware = try #require(try ResultsReader.read(path).taskAwareAccuracy)
    // Before training nothing is scored (NaN); task 1's classes are unscored until learned.
    #expect(aware[0].allSatisfy { $0.isNaN })
    #expect(aware[1][0] == 1 && aware[1][1].isNaN)
    #expect(aware[2] == [1, 1])
    // METRICS.md's task-aware keys are written under /metrics beside the task-agnostic ones.
    let file = try HDF5File.open(path)
    defer { file.close() }
    #expect(try file.attribute("final_task_aware_accuracy", at: "/metrics")?.doubleValue == 1)
    #expect(try file.attribute("task_aware_forgetting", at: "/metrics")?.doubleValue == 0)
}

/// Without task ids at test time there is no task-aware matrix and no task-aware metric.
@Test func classIncrementalRecordsNoTaskAwareMetrics() throws {
    let dataset = labelledDataset(classes: 4, trainPerClass: 3, testPerClass: 2)
    let spec = try ProtocolParser.parse(
        text: protocolText("{ kind: class-incremental, classes_per_task: 2 }"), path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let path = temporaryFolder() + "/cil.h5"
    let metrics = try Runner(dataset: dataset, stream: stream).run(
        LearnerEntry(
            name: "memorizing", learnerType: "memorizing",
            config: try LearnerConfig(specs: MemorizingLearner.hyperparameters, given: labelMap(stream)),
            type: MemorizingLearner.self),
        seed: 0, protocol: spec, outputPath: path)
    #expect(metrics["final_accuracy"] == 1)
    #expect(Metrics.taskAwareKeys.allSatisfy { metrics[$0] == nil })
    #expect(try ResultsReader.read(path).taskAwareAccuracy == nil)
}

@Test func bookkeepingClassifiesErrorsAsOldCurrentOrUnseen() {
    let bookkeeping = EvaluationBookkeeping(
        taskClasses: [[0, 1], [2, 3], [4, 5]], classCount: 6, sharedClasses: false, fewShot: true)
    // After task 1: test samples of tasks 0 and 1 (task 2's are not counted in pooled/errors).
    let truth = [[0, 1, 0, 1], [2, 3, 2, 3], [4, 5]]
    let predicted = [[0, 2, 3, 1], [2, 0, 5, 3], [0, 0]]
    let evaluation = bookkeeping.evaluate(trainedTask: 1, truth: truth, predicted: predicted, predictedTaskAware: nil)
    #expect(evaluation.taskAccuracy == [0.5, 0.5, 0])
    #expect(evaluation.pooledAccuracy == 0.5)
    #expect(evaluation.oldNewErrors == [1, 2, 1])  // 3->0 old; 1->2, 0->3 current; 2->5 unseen
    #expect(evaluation.perClassAccuracy[0] == 0.5 && evaluation.perClassAccuracy[1] == 0.5)
    #expect(evaluation.perClassAccuracy[4].isNaN)
    let fewShot = evaluation.fewShotAccuracy!
    #expect(fewShot[0] == 0.5 && fewShot[1] == 0.5 && fewShot[2] == 0.5 && fewShot[3] == 0.5)
}

@Test func readerRejectsFilesOfAnotherSchemaAndNonHDF5() throws {
    let folder = temporaryFolder()
    let other = folder + "/other.h5"
    do {
        let file = try HDF5File.create(other)
        try file.setAttribute("schema", .string("someone-else/3"))
    }
    #expect(throws: InputError.self) { try ResultsReader.read(other) }
    let text = folder + "/text.h5"
    try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
    do {
        _ = try ResultsReader.read(text)
        Issue.record("a text file must not read as results")
    } catch let error as InputError {
        #expect(error.description.contains(text))
    }
    #expect(throws: InputError.self) { try ResultsReader.records(in: [folder + "/missing"]) }
}
