import CLData
import CLTensor
import Testing
@testable import CLLearners

private let dimension = 6

/// Base task 0 (classes 0..<4, 12 samples each) and novel sessions of 2 classes with 3 shots.
private func sessions() -> [TaskData] {
    [
        TestData.blobs(
            task: 0, classes: [0, 1, 2, 3], seenClassCount: 4, perClass: 12, dimension: dimension, spread: 0.8,
            sampleSeed: 1),
        TestData.blobs(
            task: 1, classes: [4, 5], seenClassCount: 6, perClass: 3, dimension: dimension, spread: 0.8, sampleSeed: 2),
        TestData.blobs(
            task: 2, classes: [6, 7], seenClassCount: 8, perClass: 3, dimension: dimension, spread: 0.8, sampleSeed: 3),
    ]
}

private func testInputs() -> (inputs: Tensor, labels: [Int]) {
    TestData.all(
        TestData.blobs(
            task: 9, classes: Array(0..<8), seenClassCount: 8, perClass: 10, dimension: dimension,
            spread: 1.2, sampleSeed: 99))
}

private let identity = IdentityBackbone(sampleShape: [dimension])

@Test func withoutShiftTEENPredictsExactlyAsCosineNMC() throws {
    var teen = TEEN(backbone: identity, shiftWeight: 0)
    var nmc = NearestMeanClassifier(metric: .cosine, backbone: identity)
    let test = testInputs()
    for session in sessions() {
        try teen.learn(session)
        try nmc.learn(session)
        let fromTEEN = teen.predict(test.inputs, task: nil), fromNMC = nmc.predict(test.inputs, task: nil)
        #expect(fromTEEN.argmax() == fromNMC.argmax())
        // Same directions: the logits are T times the cosines, up to rounding.
        for (a, b) in zip(fromTEEN.scores.scalars, fromNMC.scores.scalars) where a.isFinite || b.isFinite {
            #expect(abs(a - 16 * b) < 1e-4)
        }
    }
}

@Test func calibrationWeightsOverBaseClassesSumToOne() {
    var generator = SeededGenerator(seed: 21)
    for tau in [0.5, 16, 200] {
        let bank = (0..<7).map { _ in (0..<5).map { _ in generator.nextNormal() } }
        let prototype = (0..<5).map { _ in generator.nextNormal() * 3 }
        let calibration = PrototypeCalibration(
            prototype: prototype, bank: bank, softmaxTemperature: tau, shiftWeight: 0.3)
        #expect(calibration.weights.count == 7)
        #expect(abs(calibration.weights.reduce(0, +) - 1) < 1e-12)
        #expect(calibration.weights.allSatisfy { $0 >= 0 })
    }
}

@Test func calibrationFollowsTheDefinitionOnAHandExample() {
    // Prototype along x; base prototypes along x (norm 2) and y: cosines 1 and 0.
    let calibration = PrototypeCalibration(
        prototype: [3, 0], bank: [[2, 0], [0, 5]], softmaxTemperature: 1, shiftWeight: 0.5)
    let e = 2.718281828459045
    let wx = e / (e + 1), wy = 1 / (e + 1)
    #expect(abs(calibration.weights[0] - wx) < 1e-12 && abs(calibration.weights[1] - wy) < 1e-12)
    let norm = (wx * wx + wy * wy).squareRoot()
    #expect(abs(Double(calibration.calibrated[0]) - (0.5 + 0.5 * wx / norm)) < 1e-6)
    #expect(abs(Double(calibration.calibrated[1]) - 0.5 * wy / norm) < 1e-6)
}

@Test func largeTemperatureMovesTheShiftToTheMostSimilarBasePrototype() {
    var generator = SeededGenerator(seed: 5)
    let bank = (0..<6).map { _ in (0..<4).map { _ in generator.nextNormal() } }
    let prototype = (0..<4).map { _ in generator.nextNormal() }
    let cosines = bank.map { b in
        zip(prototype, b).reduce(0) { $0 + Double($1.0 * $1.1) } / (norm(prototype) * norm(b))
    }
    let nearest = cosines.indices.max { cosines[$0] < cosines[$1] }!
    // alpha = 1 leaves only Delta, the weighted base direction.
    let calibration = PrototypeCalibration(prototype: prototype, bank: bank, softmaxTemperature: 1e5, shiftWeight: 1)
    #expect(calibration.weights[nearest] > 1 - 1e-9)
    #expect(calibration.topBaseClasses(1) == [nearest])
    for k in 0..<4 {
        #expect(abs(Double(calibration.calibrated[k]) - Double(bank[nearest][k]) / norm(bank[nearest])) < 1e-6)
    }
}

private func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1 * $1) }.squareRoot() }

@Test func aNewSessionLeavesBaseAndEarlierNovelPrototypesBitIdentical() throws {
    var teen = TEEN(backbone: identity, shiftWeight: 0.3)
    let all = sessions()
    try teen.learn(all[0])
    try teen.learn(all[1])
    let before = teen.classifierPrototypes
    try teen.learn(all[2])
    let after = teen.classifierPrototypes
    #expect(Array(after.scalars[0..<(6 * dimension)]) == before.scalars)
    #expect(after.shape == [8, dimension])
    // Novel rows are calibrated: not the plain normalised mean once alpha > 0.
    #expect(teen.calibrated[6] != nil && teen.calibrated[4] != nil)
}

@Test func theNormOfACalibratedPrototypeDoesNotChangePredictions() throws {
    var teen = TEEN(backbone: identity, shiftWeight: 0.5)
    for session in sessions() { try teen.learn(session) }
    let test = testInputs()
    let before = teen.predict(test.inputs, task: nil).argmax()
    for novelClass in [4, 7] { teen.calibrated[novelClass] = teen.calibrated[novelClass]!.map { $0 * 7.5 } }
    teen.calibrated[5] = teen.calibrated[5]!.map { $0 * 0.01 }
    #expect(teen.predict(test.inputs, task: nil).argmax() == before)
}

@Test func calibrationDiagnosticsAreRecordedPerNovelClass() throws {
    let context = TestData.context(sampleShape: [dimension], classes: 8, tasks: 3)
    let config = try LearnerConfig(
        specs: TEEN.hyperparameters, given: ["train_base": .flag(false), "top_k": .integer(3)])
    var teen = try TEEN(config: config, context: context)
    for session in sessions() { try teen.learn(session) }
    let weights = try #require(context.diagnostics["calibration_weights"])
    #expect(weights.shape == [4, 4])
    for row in 0..<4 { #expect(abs(weights.scalars[(row * 4)..<(row * 4 + 4)].reduce(0, +) - 1) < 1e-5) }
    #expect(context.diagnostics["novel_classes"]?.scalars == [4, 5, 6, 7])
    let top = try #require(context.diagnostics["calibration_top_classes"])
    #expect(top.shape == [4, 3])
    #expect(top.scalars.allSatisfy { (0..<4).contains(Int($0)) })
}

@Test func nmcWithBaseTrainingAndTEENShareABitIdenticalBackbone() throws {
    let all = sessions()
    let training = TestData.training(epochs: 2, batchSize: 16)
    let backbone = BackboneConfig(kind: "mlp", widths: [8])
    func learnBase(_ learner: inout some Learner) throws {
        // Each learner has a context (and stage cache) of its own: a real training run each.
        try learner.learn(all[0])
    }
    var nmc = try NearestMeanClassifier(
        config: LearnerConfig(
            specs: NearestMeanClassifier.hyperparameters, given: ["train_base": .flag(true)], training: training,
            backbone: backbone),
        context: TestData.context(seed: 4, sampleShape: [dimension]))
    var teen = try TEEN(
        config: LearnerConfig(specs: TEEN.hyperparameters, given: [:], training: training, backbone: backbone),
        context: TestData.context(seed: 4, sampleShape: [dimension]))
    try learnBase(&nmc)
    try learnBase(&teen)
    let nmcBackbone = try #require(nmc.backbone.extractor as? TrainableBackbone)
    let teenBackbone = try #require(teen.means.backbone.extractor as? TrainableBackbone)
    #expect(nmcBackbone !== teenBackbone)
    #expect(nmcBackbone.stateDictionary() == teenBackbone.stateDictionary())
    let untrained =
        try BackboneFactory.makeFeatureExtractor(backbone, sampleShape: [dimension], seed: 4) as! TrainableBackbone
    #expect(untrained.stateDictionary() != nmcBackbone.stateDictionary())
    // Base prototypes agree too, so the two learners differ only in the calibration.
    #expect(nmc.prototypes == Tensor(shape: [4, 8], scalars: Array(teen.classifierPrototypes.scalars)))
}

@Test func aReusedBaseSessionEqualsARetrainedOne() throws {
    let base = sessions()[0]
    let training = TestData.training(epochs: 2, batchSize: 16)
    let backbone = BackboneConfig(kind: "mlp", widths: [7])
    let retrained = try #require(
        BaseSessionTraining.trainedBackbone(
            backbone: backbone, training: training, task: base, seed: 8,
            context: nil, reuse: false) as? TrainableBackbone)
    // Two learners of one run share the run's stage cache: the second reuses the first's backbone.
    let stages = StageCache()
    let firstContext = TestData.context(sampleShape: [dimension], stages: stages, learner: "nmc, seed 8")
    let first = try #require(
        BaseSessionTraining.trainedBackbone(
            backbone: backbone, training: training, task: base, seed: 8,
            context: firstContext) as? TrainableBackbone)
    #expect(firstContext.notes["stage.base-session"]?.hasPrefix("computed") == true)
    let context = TestData.context(sampleShape: [dimension], stages: stages)
    let reused = try #require(
        BaseSessionTraining.trainedBackbone(
            backbone: backbone, training: training, task: base, seed: 8,
            context: context) as? TrainableBackbone)
    #expect(context.notes["base_session"]?.contains("reused") == true)
    #expect(context.notes["stage.base-session"]?.hasPrefix("reused from nmc, seed 8 in this run") == true)
    #expect(context.diagnostics["train_loss"] == firstContext.diagnostics["train_loss"])
    #expect(context.diagnostics["train_loss"]?.shape == [1, 2])
    #expect(reused !== first)
    #expect(reused.stateDictionary() == retrained.stateDictionary())
    #expect(reused.normalization == retrained.normalization && reused.normalization.isFitted)
    // A context with another cache (another run) trains afresh, even with equal settings.
    let elsewhere = TestData.context(sampleShape: [dimension])
    _ = try BaseSessionTraining.trainedBackbone(
        backbone: backbone, training: training, task: base, seed: 8, context: elsewhere)
    #expect(elsewhere.notes["stage.base-session"]?.hasPrefix("computed") == true)
    // Another seed is another key: trained afresh, different weights.
    let otherContext = TestData.context(sampleShape: [dimension], stages: stages)
    let other = try #require(
        BaseSessionTraining.trainedBackbone(
            backbone: backbone, training: training, task: base, seed: 9,
            context: otherContext) as? TrainableBackbone)
    #expect(otherContext.notes["stage.base-session"]?.hasPrefix("computed") == true)
    #expect(other.stateDictionary() != retrained.stateDictionary())
    // Other data content (the dataset digest of the context) is another key too.
    let otherData = LearnerContext(
        seed: 0, sampleShape: [dimension], totalClassCount: 10, taskCount: 2,
        streamKind: "class-incremental", stageCache: stages, datasetDigest: "other-data")
    _ = try BaseSessionTraining.trainedBackbone(
        backbone: backbone, training: training, task: base, seed: 8, context: otherData)
    #expect(otherData.notes["stage.base-session"]?.hasPrefix("computed") == true)
}
