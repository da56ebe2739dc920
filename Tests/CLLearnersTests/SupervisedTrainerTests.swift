import CLData
import CLTensor
import Testing
@testable import CLLearners

private func trainMLP(seed: UInt64, data: TaskData, training: TrainingConfig, widths: [Int] = [16]) throws
    -> (backbone: TrainableBackbone, head: LinearHead, curves: TrainingCurves) {
    var generator = SeededGenerator(seed: seed)
    let backbone = try BackboneFactory.makeTrainableBackbone(BackboneConfig(kind: "mlp", widths: widths),
                                                             sampleShape: data.sampleShape, generator: &generator)
    let head = LinearHead(featureDimension: backbone.featureDimension, classes: data.seenClassCount, generator: &generator)
    let curves = TrainingCurves()
    let set = TrainingSet(data)
    backbone.normalization.fit(set)
    try SupervisedTrainer(config: training, context: nil)
        .train(backbone: backbone, head: head, data: set, task: data.index, curves: curves, generator: &generator)
    return (backbone, head, curves)
}

@Test func lossDecreasesOnATinySeparableProblem() throws {
    let data = TestData.blobs(task: 0, classes: [0, 1, 2, 3], seenClassCount: 4, perClass: 16, dimension: 6, sampleSeed: 1)
    let (_, _, curves) = try trainMLP(seed: 3, data: data, training: TestData.training(epochs: 15))
    let losses = curves.losses[0]
    #expect(losses.count == 15)
    #expect(losses.last! < 0.25 * losses.first!)
    #expect(curves.accuracies[0].last! > 0.95)
}

@Test func aNonFiniteLossNamesTaskAndEpoch() throws {
    var scalars = [Float](repeating: 0.5, count: 8 * 4)
    scalars[5] = .nan
    let data = TestData.task(index: 3, classes: [0, 1], seenClassCount: 2, sampleShape: [4], scalars: scalars,
                             labels: [0, 1, 0, 1, 0, 1, 0, 1])
    var generator = SeededGenerator(seed: 0)
    let backbone = try BackboneFactory.makeTrainableBackbone(BackboneConfig(kind: "mlp", widths: [4]), sampleShape: [4], generator: &generator)
    let head = LinearHead(featureDimension: 4, classes: 2, generator: &generator)
    let trainer = SupervisedTrainer(config: TestData.training(epochs: 2, batchSize: 8), context: nil)
    do {
        try trainer.train(backbone: backbone, head: head, data: TrainingSet(data), task: data.index, generator: &generator)
        Issue.record("training on a NaN input did not throw")
    } catch let error as TrainingError {
        #expect(String(describing: error).contains("task 3, epoch 1/2"))
        #expect(String(describing: error).contains("nan"))
    }
}

@Test func aLossThatDivergesLaterNamesThatEpoch() throws {
    // A huge learning rate: the first epoch's loss is finite, a later one is not.
    let data = TestData.blobs(task: 1, classes: [0, 1], seenClassCount: 2, perClass: 8, dimension: 4, sampleSeed: 2)
    do {
        _ = try trainMLP(seed: 0, data: data, training: TestData.training(epochs: 50, batchSize: 16, lr: 1e38))
        Issue.record("a learning rate of 1e38 did not diverge")
    } catch let error as TrainingError {
        guard case .nonFiniteLoss(let task, let epoch, _, _, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(task == 1)
        #expect(epoch >= 2)
        #expect(String(describing: error).contains("task 1, epoch \(epoch)/50"))
    }
}

@Test func sameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot() throws {
    let data = TestData.blobs(task: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 10, dimension: 5, sampleSeed: 4)
    let training = TestData.training(epochs: 3, batchSize: 7)
    let first = try trainMLP(seed: 11, data: data, training: training)
    let second = try trainMLP(seed: 11, data: data, training: training)
    let other = try trainMLP(seed: 12, data: data, training: training)
    #expect(first.backbone.stateDictionary() == second.backbone.stateDictionary())
    #expect(first.head.stateDictionary() == second.head.stateDictionary())
    #expect(first.curves.losses == second.curves.losses)
    #expect(first.backbone.stateDictionary() != other.backbone.stateDictionary())
}

@Test func imageAugmentationAndConv4TrainDeterministically() throws {
    // 16x16 one-channel images: a bright left or right half, so crops and flips matter.
    var scalars: [Float] = []
    var labels: [Int32] = []
    var generator = SeededGenerator(seed: 5)
    for i in 0..<8 {
        let label = i % 2
        for _ in 0..<16 { for x in 0..<16 { scalars.append((x < 8) == (label == 0) ? 0.9 : 0.1 * generator.nextUniform()) } }
        labels.append(Int32(label))
    }
    let data = TestData.task(index: 0, classes: [0, 1], seenClassCount: 2, sampleShape: [1, 16, 16], scalars: scalars, labels: labels)
    func run() throws -> [String: Tensor] {
        var generator = SeededGenerator(seed: 9)
        let backbone = try BackboneFactory.makeTrainableBackbone(BackboneConfig(kind: "conv4"), sampleShape: [1, 16, 16], generator: &generator)
        let head = CosineHead(featureDimension: backbone.featureDimension, classes: 2, generator: &generator)
        try SupervisedTrainer(config: TestData.training(epochs: 2, batchSize: 4, augment: ["crop4", "hflip"]), context: nil)
            .train(backbone: backbone, head: head, data: TrainingSet(data), task: 0, generator: &generator)
        return backbone.stateDictionary()
    }
    let first = try run(), second = try run()
    #expect(first == second)
    #expect(first.keys.contains("blocks.0.conv.weight"))
}

@Test func scheduleFollowsTheTrainingBlock() throws {
    var config = TestData.training(epochs: 4)
    config.schedule = "multistep"
    config.milestones = [2]
    config.gamma = 0.5
    config.warmupEpochs = 1
    let schedule = try SupervisedTrainer(config: config, context: nil).makeSchedule(stepsPerEpoch: 10)
    #expect(abs(schedule.learningRate(initial: 1, at: 0) - 0.1) < 1e-6)   // warm-up starts at 1/10
    #expect(schedule.learningRate(initial: 1, at: 10) == 1)               // warm-up over after one epoch
    #expect(schedule.learningRate(initial: 1, at: 30) == 0.5)             // milestone 2 epochs after warm-up
    config.schedule = "step"
    config.milestones = []
    #expect(throws: TrainingError.self) { try SupervisedTrainer(config: config, context: nil).makeSchedule(stepsPerEpoch: 10) }
}

@Test func trainingSetOfSeveralTasksKeepsEachSampleWithItsLabel() {
    let a = TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 3, dimension: 2, sampleSeed: 1)
    let b = TestData.blobs(task: 1, classes: [2], seenClassCount: 3, perClass: 4, dimension: 2, sampleSeed: 2)
    let set = TrainingSet([a, b])
    #expect(set.count == 10)
    let positions = [9, 0, 7, 3]
    let (inputs, labels) = set.inputs(at: positions)
    #expect(labels == [2, 0, 2, 1])
    #expect(Array(inputs.scalars[0..<2]) == b.inputs(at: [3]).scalars)
    #expect(Array(inputs.scalars[2..<4]) == a.inputs(at: [0]).scalars)
    #expect(Array(inputs.scalars[6..<8]) == a.inputs(at: [3]).scalars)
}

@Test func inputNormalizationStandardisesEachChannel() {
    // Two channels of 2x2: channel 0 values 1...8 over two images, channel 1 constant 3.
    let scalars: [Float] = [1, 2, 3, 4, 3, 3, 3, 3, 5, 6, 7, 8, 3, 3, 3, 3]
    let data = TestData.task(index: 0, classes: [0], seenClassCount: 1, sampleShape: [2, 2, 2], scalars: scalars, labels: [0, 0])
    var normalization = InputNormalization(channels: 2)
    #expect(normalization.apply(data.inputs(0..<2)) == data.inputs(0..<2))
    normalization.fit(TrainingSet(data))
    let values = (1...8).map(Double.init)
    let mean = values.reduce(0, +) / 8
    let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8).squareRoot()
    #expect(abs(Double(normalization.mean[0]) - mean) < 1e-6)
    #expect(abs(Double(normalization.standardDeviation[0]) - deviation) < 1e-5)
    #expect(normalization.standardDeviation[1] == 1)   // constant channel: mapped to 0, not divided by 0
    let out = normalization.apply(data.inputs(0..<2))
    #expect(out.scalars[4] == 0)
}
