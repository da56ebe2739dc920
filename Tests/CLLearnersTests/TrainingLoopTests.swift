import CLData
import CLTensor
import Testing
@testable import CLLearners

/// Cross-entropy on the loop, as `finetune` runs it.
private func crossEntropy(
    _ loop: TrainingLoop, backbone: TrainableBackbone, head: any ClassifierHead, data: TrainingSet,
    task: Int, curves: TrainingCurves? = nil, generator: inout SeededGenerator
) throws {
    try loop.run(
        on: data, task: task, parameters: [ParameterSet("network", backbone.network.parameters + head.parameters)],
        modules: [backbone], curves: curves, generator: &generator,
        loss: CrossEntropyStep(backbone: backbone, head: head).loss)
}

private func trainMLP(seed: UInt64, data: TaskData, training: TrainingConfig, widths: [Int] = [16]) throws
    -> (backbone: TrainableBackbone, head: LinearHead, curves: TrainingCurves)
{
    var generator = SeededGenerator(seed: seed)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: widths),
        sampleShape: data.sampleShape, generator: &generator)
    let head = LinearHead(
        featureDimension: backbone.featureDimension, classes: data.seenClassCount, generator: &generator)
    let curves = TrainingCurves()
    let set = TrainingSet(data)
    backbone.normalization.fit(set)
    try crossEntropy(
        TrainingLoop(config: training, context: nil), backbone: backbone, head: head, data: set, task: data.index,
        curves: curves, generator: &generator)
    return (backbone, head, curves)
}

@Test func lossDecreasesOnATinySeparableProblem() throws {
    let data = TestData.blobs(
        task: 0, classes: [0, 1, 2, 3], seenClassCount: 4, perClass: 16, dimension: 6, sampleSeed: 1)
    let (_, _, curves) = try trainMLP(seed: 3, data: data, training: TestData.training(epochs: 15))
    let losses = curves.losses[0]
    #expect(losses.count == 15)
    #expect(losses.last! < 0.25 * losses.first!)
    #expect(curves.accuracies[0].last! > 0.95)
}

@Test func aNonFiniteLossNamesTaskAndEpoch() throws {
    var scalars = [Float](repeating: 0.5, count: 8 * 4)
    scalars[5] = .nan
    let data = TestData.task(
        index: 3, classes: [0, 1], seenClassCount: 2, sampleShape: [4], scalars: scalars,
        labels: [0, 1, 0, 1, 0, 1, 0, 1])
    var generator = SeededGenerator(seed: 0)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [4]), sampleShape: [4], generator: &generator)
    let head = LinearHead(featureDimension: 4, classes: 2, generator: &generator)
    let loop = TrainingLoop(config: TestData.training(epochs: 2, batchSize: 8), context: nil)
    do {
        try crossEntropy(
            loop, backbone: backbone, head: head, data: TrainingSet(data), task: data.index, generator: &generator)
        Issue.record("training on a NaN input did not throw")
    } catch let error as TrainingError {
        #expect(String(describing: error).contains("task 3, epoch 1/2, batch 1 (step 1)"))
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
        guard case .nonFiniteLoss(let task, let epoch, _, _, _, _) = error else {
            Issue.record("wrong error \(error)"); return
        }
        #expect(task == 1)
        #expect(epoch >= 2)
        #expect(String(describing: error).contains("task 1, epoch \(epoch)/50"))
    }
}

@Test func sameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot() throws {
    let data = TestData.blobs(
        task: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 10, dimension: 5, sampleSeed: 4)
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
        for _ in 0..<16 {
            for x in 0..<16 { scalars.append((x < 8) == (label == 0) ? 0.9 : 0.1 * generator.nextUniform()) }
        }
        labels.append(Int32(label))
    }
    let data = TestData.task(
        index: 0, classes: [0, 1], seenClassCount: 2, sampleShape: [1, 16, 16], scalars: scalars, labels: labels)
    func run() throws -> [String: Tensor] {
        var generator = SeededGenerator(seed: 9)
        let backbone = try BackboneFactory.makeTrainableBackbone(
            BackboneConfig(kind: "conv4"), sampleShape: [1, 16, 16], generator: &generator)
        let head = CosineHead(featureDimension: backbone.featureDimension, classes: 2, generator: &generator)
        try crossEntropy(
            TrainingLoop(
                config: TestData.training(epochs: 2, batchSize: 4, augment: ["crop4", "hflip"]), context: nil),
            backbone: backbone, head: head, data: TrainingSet(data), task: 0, generator: &generator)
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
    let schedule = OptimizerFactory.schedule(config, stepsPerEpoch: 10, totalSteps: 40)
    #expect(abs(schedule.learningRate(initial: 1, at: 0) - 0.1) < 1e-6)  // warm-up starts at 1/10
    #expect(schedule.learningRate(initial: 1, at: 10) == 1)  // warm-up over after one epoch
    #expect(schedule.learningRate(initial: 1, at: 30) == 0.5)  // milestone 2 epochs after warm-up
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
    let data = TestData.task(
        index: 0, classes: [0], seenClassCount: 1, sampleShape: [2, 2, 2], scalars: scalars, labels: [0, 0])
    var normalization = InputNormalization(channels: 2)
    #expect(normalization.apply(data.inputs(0..<2)) == data.inputs(0..<2))
    normalization.fit(TrainingSet(data))
    let values = (1...8).map(Double.init)
    let mean = values.reduce(0, +) / 8
    let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8).squareRoot()
    #expect(abs(Double(normalization.mean[0]) - mean) < 1e-6)
    #expect(abs(Double(normalization.standardDeviation[0]) - deviation) < 1e-5)
    #expect(normalization.standardDeviation[1] == 1)  // constant channel: mapped to 0, not divided by 0
    let out = normalization.apply(data.inputs(0..<2))
    #expect(out.scalars[4] == 0)
}

// MARK: - What the shared loop adds: views, rotations, groups, budgets, recorded scalars

@Test func quarterTurnsMatchANaiveRot90() {
    // torch.rot90(x, 1, (2, 3)) of [[1, 2], [3, 4]] is [[2, 4], [1, 3]]; check every k on a
    // 3x3, 2-channel image against index arithmetic written out per k.
    var x = Tensor(shape: [2, 2, 3, 3])
    for i in 0..<x.count { x.scalars[i] = Float(i) }
    let out = Augmentation.withQuarterTurns(x)
    #expect(out.shape == [8, 2, 3, 3])
    let small = Augmentation.withQuarterTurns(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
    #expect(Array(small.scalars[4..<8]) == [2, 4, 1, 3])
    #expect(Array(small.scalars[8..<12]) == [4, 3, 2, 1])
    #expect(Array(small.scalars[12..<16]) == [3, 1, 4, 2])
    for n in 0..<2 {
        for k in 0..<4 {
            for c in 0..<2 {
                for i in 0..<3 {
                    for j in 0..<3 {
                        var (si, sj) = (i, j)
                        // one counter-clockwise turn: out[i][j] = in[j][h-1-i]
                        for _ in 0..<k { (si, sj) = (sj, 2 - si) }
                        let expected = x.scalars[((n * 2 + c) * 3 + si) * 3 + sj]
                        #expect(out.scalars[(((4 * n + k) * 2 + c) * 3 + i) * 3 + j] == expected)
                    }
                }
            }
        }
    }
}

@Test func viewsAreAugmentedIndependentlyAndRotationLabelsAre4yPlusK() throws {
    var scalars: [Float] = []
    var generator = SeededGenerator(seed: 2)
    for _ in 0..<(6 * 64) { scalars.append(generator.nextUniform()) }
    let data = TestData.task(
        index: 0, classes: [0, 1, 2], seenClassCount: 3, sampleShape: [1, 8, 8], scalars: scalars,
        labels: [0, 1, 2, 0, 1, 2])
    let loop = TrainingLoop(
        config: TestData.training(epochs: 1, batchSize: 3), context: nil,
        views: [
            TrainingView(augmentations: ["crop4", "hflip"]), TrainingView(augmentations: ["crop4", "hflip"]),
            TrainingView(rotations: true),
        ])
    let weight = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    var seen: [TrainingBatch] = []
    var rng = SeededGenerator(seed: 0)
    try loop.run(on: TrainingSet(data), task: 0, parameters: [ParameterSet("w", [weight])], generator: &rng) { batch in
        seen.append(batch)
        return (weight * weight).sum()
    }
    #expect(seen.count == 2)
    for batch in seen {
        #expect(batch.views.count == 3)
        #expect(batch.views[0].shape == [3, 1, 8, 8] && batch.views[2].shape == [12, 1, 8, 8])
        #expect(batch.views[0] != batch.views[1])  // two different random views
        #expect(batch.viewLabels[0] == batch.labels)
        #expect(batch.viewLabels[2] == batch.labels.flatMap { y in (0..<4).map { 4 * y + $0 } })
        // The rotation view is the un-augmented batch, turned.
        #expect(batch.views[2] == Augmentation.withQuarterTurns(data.inputs(at: batch.positions)))
    }
}

@Test func parameterGroupsHaveTheirOwnRatesAndFrozenOnesNeverMove() throws {
    let data = TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 4, dimension: 2, sampleSeed: 1)
    var config = TestData.training(epochs: 1, batchSize: 8)
    config.optimizer = "sgd"; config.momentum = 0; config.weightDecay = 0; config.schedule = "constant";
    config.learningRate = 0.1
    let a = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    let b = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    let c = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    var rng = SeededGenerator(seed: 0)
    // L = a² + b² + c²: gradient 2 each; a at the block's rate, b at its own, c frozen.
    try TrainingLoop(config: config, context: nil).run(
        on: TrainingSet(data), task: 0,
        parameters: [
            ParameterSet("a", [a]), ParameterSet("b", [b], learningRate: 0.25), ParameterSet("c", [c], frozen: true),
        ],
        generator: &rng
    ) { _ in (a * a).sum() + (b * b).sum() + (c * c).sum() }
    #expect(a.value.scalars[0] == 1 - 0.1 * 2)
    #expect(b.value.scalars[0] == 1 - 0.25 * 2)
    #expect(c.value.scalars[0] == 1)
}

@Test func aStepBudgetRunsExactlyThatManyStepsAndRecordsScalars() throws {
    let data = TestData.blobs(task: 2, classes: [0, 1], seenClassCount: 2, perClass: 5, dimension: 2, sampleSeed: 1)
    let weight = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    var steps: [Int] = [], after: [Int] = []
    let curves = TrainingCurves()
    var rng = SeededGenerator(seed: 0)
    // 10 samples, batch 4: 3 steps per pass; 7 steps = 2 full passes and 1 step of a third.
    try TrainingLoop(config: TestData.training(epochs: 99, batchSize: 4), context: nil, budget: .steps(7))
        .run(
            on: TrainingSet(data), task: 2, parameters: [ParameterSet("w", [weight])], curves: curves, generator: &rng,
            afterStep: { after.append($0.step) }
        ) { batch in
            steps.append(batch.step)
            batch.record("half", 0.5)
            return (weight * weight).sum()
        }
    #expect(steps == Array(0..<7) && after == steps)
    #expect(curves.tasks == [2] && curves.losses[0].count == 3)
    #expect(curves.extras["half"] == [[0.5, 0.5, 0.5]])
    #expect(curves.accuracies[0].allSatisfy { $0.isNaN })  // the closure counted no predictions
}

@Test func aNonFiniteLossFromAnyClosureNamesTheStep() throws {
    let data = TestData.blobs(task: 4, classes: [0, 1], seenClassCount: 2, perClass: 5, dimension: 2, sampleSeed: 1)
    let weight = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
    var rng = SeededGenerator(seed: 0)
    do {
        try TrainingLoop(config: TestData.training(epochs: 3, batchSize: 4), context: nil)
            .run(on: TrainingSet(data), task: 4, parameters: [ParameterSet("w", [weight])], generator: &rng) { batch in
                batch.step == 4 ? (weight * Float.infinity).sum() : (weight * weight).sum()
            }
        Issue.record("an infinite loss did not stop training")
    } catch {
        #expect(String(describing: error).contains("task 4, epoch 2/3, batch 2 (step 5)"))
    }
}

@Test func aFrozenCopyKeepsTheFeaturesWhileTheOriginalTrains() throws {
    let data = TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 8, dimension: 4, sampleSeed: 3)
    var generator = SeededGenerator(seed: 1)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [6]), sampleShape: [4], generator: &generator)
    let head = LinearHead(featureDimension: 6, classes: 2, generator: &generator)
    backbone.normalization.fit(TrainingSet(data))
    let teacher = try backbone.frozenCopy()
    let probe = data.inputs(0..<8)
    let before = backbone.features(of: probe)
    #expect(teacher.features(of: probe) == before)
    #expect(teacher.stateDictionary() == backbone.stateDictionary())
    try crossEntropy(
        TrainingLoop(config: TestData.training(epochs: 3), context: nil), backbone: backbone, head: head,
        data: TrainingSet(data), task: 0, generator: &generator)
    #expect(backbone.features(of: probe) != before)  // the student moved
    #expect(teacher.features(of: probe) == before)  // the teacher did not
}

/// `training.steps` replaces epochs by a fixed number of optimiser steps per stage,
/// whatever the data's size (the last pass cut short).
@Test func theStepsKeyBoundsTheLoopInOptimiserSteps() throws {
    let data = TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 10, dimension: 4, sampleSeed: 1)
    var config = TestData.training(epochs: 5, batchSize: 8)
    config.steps = 4
    #expect(config.budget == .steps(4))
    var generator = SeededGenerator(seed: 1)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [8]), sampleShape: [4],
        generator: &generator)
    let head = LinearHead(featureDimension: 8, classes: 2, generator: &generator)
    var steps: [Int] = []
    try TrainingLoop(config: config, context: nil).run(
        on: TrainingSet(data), task: 0,
        parameters: [ParameterSet("all", backbone.network.parameters + head.parameters)],
        generator: &generator, afterStep: { steps.append($0.step) },
        loss: CrossEntropyStep(backbone: backbone, head: head).loss)
    #expect(steps == [0, 1, 2, 3])
}
