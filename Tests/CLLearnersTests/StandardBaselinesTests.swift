import Foundation
import CLData
import CLTensor
import Testing
@testable import CLLearners

// lwf, ewc and der: each reduces to finetune bit for bit when its extra terms are off, its
// state resumes bit for bit, and the parts it adds (the Fisher, the stored logits) are
// checked against a naive computation.

/// Two tasks of two classes each (blobs in 4-d) on one split, as a stream's.
private let tasks = TestData.onOneSplit([
    TestData.blobs(
        task: 0, classes: [0, 1], seenClassCount: 2, perClass: 20, dimension: 4, spread: 0.4, sampleSeed: 1),
    TestData.blobs(
        task: 1, classes: [2, 3], seenClassCount: 4, perClass: 20, dimension: 4, spread: 0.4, sampleSeed: 2),
])

private func config(_ type: any Learner.Type, _ given: [String: HyperparameterValue] = [:]) throws -> LearnerConfig {
    var training = TestData.training(epochs: 5, batchSize: 8, lr: 0.05)
    training.momentum = 0.9
    return try LearnerConfig(
        specs: type.hyperparameters, given: given, training: training,
        backbone: BackboneConfig(kind: "mlp", widths: [16]))
}

private func make<L: Learner>(_ type: L.Type, _ given: [String: HyperparameterValue] = [:], seed: UInt64 = 3) throws
    -> L
{
    try L(config: config(type, given), context: TestData.context(seed: seed, sampleShape: [4], classes: 4))
}

/// Trains on both tasks and returns the weights.
private func trainedWeights<L: Learner>(_ learner: L) throws -> [String: Tensor] {
    var learner = learner
    for task in tasks { try learner.learn(task) }
    return LearnerState.weights(of: learner)
}

private func expectSameWeights(
    _ a: [String: Tensor], _ b: [String: Tensor], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(a.keys.sorted() == b.keys.sorted(), sourceLocation: sourceLocation)
    for (name, tensor) in a {
        #expect(b[name]?.scalars == tensor.scalars, "\(name)", sourceLocation: sourceLocation)
    }
}

@Test func theExtraTermsSwitchedOffAreFinetuneBitForBit() throws {
    let finetune = try trainedWeights(make(Finetune.self))
    expectSameWeights(
        finetune,
        try trainedWeights(
            make(LearningWithoutForgetting.self, ["distill_weight": .number(0), "ce_classes": .text("seen")])))
    expectSameWeights(finetune, try trainedWeights(make(ElasticWeightConsolidation.self, ["lambda": .number(0)])))
    expectSameWeights(
        finetune, try trainedWeights(make(DarkExperienceReplay.self, ["alpha": .number(0), "beta": .number(0)])))
}

@Test func theExtraTermsSwitchedOnChangeTheWeights() throws {
    let finetune = try trainedWeights(make(Finetune.self))
    for weights in [
        try trainedWeights(make(LearningWithoutForgetting.self, ["ce_classes": .text("seen")])),
        try trainedWeights(make(ElasticWeightConsolidation.self)),
        try trainedWeights(
            make(DarkExperienceReplay.self, ["memory": .integer(20), "replay_batch_size": .integer(8)])),
    ] {
        #expect(weights["network.head.weight"]?.scalars != finetune["network.head.weight"]?.scalars)
    }
}

/// Replay with stored logits keeps the first task better than fine-tuning does.
@Test func derRemembersMoreOfTheFirstTaskThanFinetune() throws {
    let test = TestData.all(
        TestData.blobs(
            task: 0, classes: [0, 1], seenClassCount: 2, perClass: 25, dimension: 4, spread: 0.4, sampleSeed: 5))
    var finetune = try make(Finetune.self)
    var der = try make(DarkExperienceReplay.self, ["memory": .integer(20), "replay_batch_size": .integer(8)])
    for task in tasks {
        try finetune.learn(task)
        try der.learn(task)
    }
    let kept = TestData.accuracy(der.predict(test.inputs, task: nil).argmax(), test.labels)
    let lost = TestData.accuracy(finetune.predict(test.inputs, task: nil).argmax(), test.labels)
    #expect(kept > lost + 0.2, "der \(kept), finetune \(lost)")
    #expect(der.buffer.count == 20)
    for slot in 0..<der.buffer.count {
        let width = der.storedLogits.logits(at: slot).count
        #expect(width == (der.buffer.entries[slot].label < 2 ? 2 : 4), "the head's width when stored")
    }
}

/// Checkpointed after task 0 and restored into a fresh learner, task 1 gives the same
/// weights and state bit for bit.
@Test(arguments: ["lwf", "ewc", "der"])
func standardBaselinesResumeBitForBit(name: String) throws {
    func fresh() throws -> any Learner {
        switch name {
        case "lwf": return try make(LearningWithoutForgetting.self)
        case "ewc": return try make(ElasticWeightConsolidation.self)
        default: return try make(DarkExperienceReplay.self, ["memory": .integer(20), "replay_batch_size": .integer(8)])
        }
    }
    func resume<L: Learner>(_ first: L) throws {
        var uninterrupted = first
        try uninterrupted.learn(tasks[0])
        let checkpoint = try LearnerState.checkpoint(of: uninterrupted)
        try uninterrupted.learn(tasks[1])
        var resumed = try fresh() as! L
        try LearnerState.restore(resumed, from: checkpoint)
        try resumed.learn(tasks[1])
        expectSameWeights(LearnerState.weights(of: uninterrupted), LearnerState.weights(of: resumed))
        let a = try LearnerState.checkpoint(of: uninterrupted), b = try LearnerState.checkpoint(of: resumed)
        // The buffer's per-class counts are a dictionary, encoded in no fixed order: compared decoded.
        #expect(a.values.keys.sorted() == b.values.keys.sorted())
        for (key, bytes) in a.values where key != "buffer" { #expect(b.values[key] == bytes, "\(key)") }
        if let first = resumed as? DarkExperienceReplay, let second = uninterrupted as? DarkExperienceReplay {
            #expect(first.buffer.entries == second.buffer.entries && first.buffer.seen == second.buffer.seen)
            #expect(first.buffer.countOfClass == second.buffer.countOfClass)
        }
        #expect(a.tensors.keys.sorted() == b.tensors.keys.sorted())
        for (key, tensor) in a.tensors { #expect(b.tensors[key]?.scalars == tensor.scalars, "\(key)") }
        #expect(LearnerState.undeclaredState(of: resumed).isEmpty)
    }
    try resume(fresh())
}

/// The Fisher against a naive computation: per sample, central differences of log p(y | x)
/// in each parameter, weighted by p(y | x), averaged over the samples.
@Test func theDiagonalFisherMatchesFiniteDifferences() throws {
    var generator = SeededGenerator(seed: 11)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [3]), sampleShape: [4], generator: &generator)
    let head = LinearHead(featureDimension: backbone.featureDimension, classes: 3, generator: &generator)
    let task = TestData.blobs(
        task: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 2, dimension: 4, spread: 0.5, sampleSeed: 4)
    let data = TrainingSet(task)
    backbone.normalization.fit(data)
    let parameters = backbone.network.parameters + head.parameters
    let fisher = DiagonalFisher.estimate(backbone: backbone, head: head, parameters: parameters, data: data)
    #expect(parameters.allSatisfy { $0.grad == nil }, "gradients are cleared")

    func logLikelihood(_ position: Int) -> Double {
        let (inputs, labels) = data.inputs(at: [position])
        return -Double(
            withoutGradient {
                Loss.crossEntropy(logits: head.logits(backbone.trainingFeatures(of: inputs)), labels: labels)
            }.value.scalars[0])
    }
    let step: Float = 1e-2
    var largest: Float = 0, worst: Float = 0
    for (k, parameter) in parameters.enumerated() {
        for element in 0..<parameter.value.count {
            var naive = 0.0
            for position in 0..<data.count {
                let original = parameter.value.scalars[element]
                parameter.value.scalars[element] = original + step
                let up = logLikelihood(position)
                parameter.value.scalars[element] = original - step
                let down = logLikelihood(position)
                parameter.value.scalars[element] = original
                let gradient = (up - down) / (2 * Double(step))
                naive += Foundation.exp(logLikelihood(position)) * gradient * gradient
            }
            naive /= Double(data.count)
            largest = max(largest, Float(naive))
            worst = max(worst, abs(Float(naive) - fisher[k].scalars[element]))
        }
    }
    #expect(largest > 1e-3, "a Fisher that is not all zero")
    #expect(worst < 2e-2 * largest, "worst error \(worst) of \(largest)")
}

/// F ← γF + F_t, with a grown head's new rows uncovered; the penalty is λ Σ F (θ − θ*)².
@Test func theOnlineFisherAccumulatesAndPenalises() {
    let penalty = EWCPenalty()
    let theta = Variable(Tensor(shape: [1, 2], scalars: [1, 2]), requiresGrad: true)
    penalty.consolidate(taskFisher: [Tensor(shape: [1, 2], scalars: [4, 8])], parameters: [theta], gamma: 0.5)
    let grown = Variable(Tensor(shape: [2, 2], scalars: [2, 2, 5, 5]), requiresGrad: true)
    // (2 − 1)² · 4 + (2 − 2)² · 8 = 4, the new row uncovered; times λ = 3.
    #expect(penalty.terms(for: [grown]).penalty(lambda: 3).value.scalars == [12])
    penalty.consolidate(taskFisher: [Tensor(shape: [2, 2], scalars: [1, 1, 1, 1])], parameters: [grown], gamma: 0.5)
    #expect(penalty.fisher[0].scalars == [3, 5, 1, 1])
    #expect(penalty.anchor[0].scalars == [2, 2, 5, 5])
    // Its gradient, 2λF(θ − θ*) (what Mammoth writes into the gradients), by finite differences.
    let moved = Variable(Tensor(shape: [2, 2], scalars: [1.5, 2.5, 4, 6]), requiresGrad: true)
    let terms = penalty.terms(for: [moved])
    expectGradientsMatchFiniteDifferences(parameters: [moved]) { terms.penalty(lambda: 3) }
    moved.zeroGradient()
    terms.penalty(lambda: 3).backward()
    let expected: [Float] = [-9, 15, -6, 6]  // 2 · 3 · [3 · −0.5, 5 · 0.5, 1 · −1, 1 · 1]
    #expect(moved.grad?.scalars == expected)
}

/// The buffer says where it kept a sample, and the logits stored there come back unchanged,
/// through a checkpoint too.
@Test func aStoredLogitRowIsReturnedUnchanged() throws {
    let buffer = ReplayBuffer(capacity: 2, generator: SeededGenerator(seed: 1))
    let stored = StoredLogits()
    var written: [Int: [Float]] = [:]
    for position in 0..<tasks[0].count {
        let row: [Float] = [Float(position), -1.5, .pi, Float.leastNonzeroMagnitude]
        if let slot = buffer.offer(tasks[0], position: position) {
            stored.store(row, at: slot)
            written[slot] = row
            #expect(buffer.entries[slot].index == tasks[0].sampleIndices[position])
        }
    }
    #expect(written.count == 2)
    var checkpoint = LearnerCheckpoint()
    try stored.save(into: &checkpoint, as: "logits")
    let restored = StoredLogits()
    try restored.restore(from: checkpoint, as: "logits")
    for (slot, row) in written {
        #expect(stored.logits(at: slot) == row)
        #expect(restored.logits(at: slot).map(\.bitPattern) == row.map(\.bitPattern))
    }
}

/// The MSE of DER's logit replay covers each stored row's columns only.
@Test func theLogitMatchingCoversTheStoredColumns() {
    let logits = Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
    let mse = DarkExperienceReplay.maskedMeanSquaredError(logits, [[1, 0], [4, 5, 3]])
    // Covered: (2 − 0)², (6 − 3)² over 5 entries.
    #expect(abs(mse.value.scalars[0] - 13 / 5) < 1e-6)
}
