import CLData
import CLLearners
import CLTensor
import Foundation
import Testing
@testable import CLConfig
@testable import CLResults
@testable import CLRun

/// Two well-separated blobs per class in 6-d, stored as floats.
private func blobs(classes: Int, perClass: Int, seed: UInt64) -> DataSplit {
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = [], labels: [Int32] = []
    for c in 0..<classes {
        for _ in 0..<perClass {
            for k in 0..<6 { values.append((k == c ? 3 : 0) + Float.random(in: -0.5...0.5, using: &generator)) }
            labels.append(Int32(c))
        }
    }
    return DataSplit(sampleShape: [6], storage: .floats(values), labels: labels)
}

/// The weights a learner saves are written to the results file, read back by
/// `ResultsReader.weights`, and load into a fresh network that reproduces the stored
/// final accuracies exactly.
@Test func savedWeightsReloadAndReproduceTheFinalRowOfTheMatrix() throws {
    let dataset = Dataset(
        name: "blobs", classNames: (0..<4).map { "c\($0)" },
        train: blobs(classes: 4, perClass: 40, seed: 1), test: blobs(classes: 4, perClass: 10, seed: 2),
        source: "memory")
    let text = """
        name: blobs
        dataset: { name: blobs }
        stream: { kind: class-incremental, classes_per_task: 2 }
        backbone: { kind: mlp, widths: [8] }
        training: { epochs: 3, batch_size: 16, optimizer: sgd, lr: 0.1, schedule: constant }
        learners: [ { name: finetune } ]
        """
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString)").path
    let path = folder + "/finetune.h5"
    try Runner(dataset: dataset, stream: stream).run(spec.learners[0], seed: 0, protocol: spec, outputPath: path)

    // Named by the learner's declared parts: finetune's `network` holds `backbone` and `head`.
    let weights = try ResultsReader.weights(path, learner: "finetune")
    #expect(weights.keys.allSatisfy { $0.hasPrefix("network.backbone.") || $0.hasPrefix("network.head.") })
    let removedWeight = weights["network.head.weight"]
    let removedBias = weights["network.head.bias"]
    let headWeight = try #require(removedWeight)
    let headBias = try #require(removedBias)
    #expect(headWeight.shape == [4, 8] && headBias.shape == [4])

    var generator = SeededGenerator(seed: 99)  // a different initialisation, overwritten by the load
    let backbone = try BackboneFactory.makeTrainableBackbone(
        spec.learners[0].config.backbone, sampleShape: [6], generator: &generator)
    try backbone.loadStateDictionary(
        Dictionary(
            uniqueKeysWithValues: weights.filter { $0.key.hasPrefix("network.backbone.") }.map {
                (String($0.key.dropFirst("network.backbone.".count)), $0.value)
            }))
    let record = try ResultsReader.read(path)
    let map = stream.learnerLabelOfOriginal
    for (j, task) in stream.tasks.enumerated() {
        let features = backbone.features(of: dataset.test.batch(task.testIndices))
        var logits = matrixProduct(features, headWeight, transposeB: true)
        for r in 0..<task.testIndices.count { for c in 0..<4 { logits.scalars[r * 4 + c] += headBias.scalars[c] } }
        let predicted = Prediction(scores: logits).argmax()
        let correct = zip(predicted, task.testIndices).filter { $0 == map[Int(dataset.test.labels[$1])] }.count
        #expect(Double(correct) / Double(task.testIndices.count) == record.accuracyMatrix[stream.tasks.count][j])
    }
    #expect(try ResultsReader.weights(path, learner: "nobody").isEmpty)
}
