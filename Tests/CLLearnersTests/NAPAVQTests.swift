import CLData
import CLTensor
import Foundation
import Testing
@testable import CLLearners

// Invariants of NAPA-VQ from specs/LEARNERS.md §4, and its new losses' gradients against
// finite differences. Every comparison is written so that NaN fails it.

private let minimumEdge = powf(0.9, 10)

/// E symmetric, unit diagonal, every entry 0 or in [0.9^10, 1].
private func expectTopologyInvariants(_ topology: NeuralGasTopology, sourceLocation: SourceLocation = #_sourceLocation)
{
    let m = topology.count
    var bad: [String] = []
    for a in 0..<m {
        if !(topology.strength(a, a) == 1) { bad.append("E[\(a),\(a)] = \(topology.strength(a, a))") }
        for b in 0..<m {
            let e = topology.strength(a, b)
            if !(e == topology.strength(b, a)) { bad.append("E[\(a),\(b)] = \(e) ≠ E[\(b),\(a)]") }
            if !(e == 0 || (e >= minimumEdge && e <= 1)) { bad.append("E[\(a),\(b)] = \(e)") }
        }
    }
    #expect(bad.isEmpty, "\(bad.prefix(5))", sourceLocation: sourceLocation)
}

private func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { _ in scale * generator.nextNormal() })
}

// MARK: topology

@Test func topologyStaysSymmetricWithUnitDiagonalAndPrunedEntries() {
    var topology = NeuralGasTopology(count: 12, neighbourCount: 4)
    expectTopologyInvariants(topology)
    var generator = SeededGenerator(seed: 3)
    for step in 0..<60 {
        if step == 30 { topology.grow(to: 20) }
        let m = topology.count
        // Points clustered around a few code vectors, so edges are refreshed and decay.
        let d = (0..<(16 * m)).map { i -> Float in
            let (row, column) = (i / m, i % m)
            return abs(generator.nextNormal()) + Float((column - (row * 7 + step) % m + m) % m)
        }
        topology.update(squaredDistances: Tensor(shape: [16, m], scalars: d))
        expectTopologyInvariants(topology)
    }
    #expect(topology.edgeCount > 0)
}

@Test func topologyRefreshFollowsTheOfficialRule() {
    var topology = NeuralGasTopology(count: 3, neighbourCount: 2)
    // One point: winner 0, nearest {0, 1}. Before symmetrising E[0,1] = 1 (the loss sees 1 as
    // the neighbour of 0), after it 0.5 on both sides.
    let first = topology.update(squaredDistances: Tensor(shape: [1, 3], scalars: [0, 1, 4]), neighboursOf: [0, 1])
    #expect(first[0] == [1])
    #expect(first[1] == [])
    #expect(topology.strength(0, 1) == 0.5 && topology.strength(1, 0) == 0.5)
    #expect(topology.strength(0, 2) == 0)
    // Two points won by 0 with nearest {0, 2}: E[0,2] = 1, E[0,1] decays twice (0.5 · 0.81),
    // then averaging: E[0,1] = (0.405 + 0.5)/2, E[0,2] = (1 + 0)/2.
    topology.update(squaredDistances: Tensor(shape: [2, 3], scalars: [0, 4, 1, 0, 4, 1]))
    #expect(abs(topology.strength(0, 1) - (0.5 * 0.81 + 0.5) / 2) < 1e-6)
    #expect(topology.strength(0, 2) == 0.5)
    // An edge that decays below 0.9^10 is removed.
    for _ in 0..<20 { topology.update(squaredDistances: Tensor(shape: [1, 3], scalars: [0, 4, 1])) }
    #expect(topology.strength(0, 1) == 0)
    // The refreshed side is 1 before averaging; averaging with the other side, which
    // approaches 1 by halving the gap at each step, leaves it 1 − 2^-21 in float.
    #expect(topology.strength(0, 2) > 0.9999 && topology.strength(0, 2) <= 1)
    expectTopologyInvariants(topology)
}

// MARK: neighbourhood separation

@Test func separationIsZeroAtTheOwnCodeVectorWhenNeighboursAreFarther() {
    let codes = randomMatrix(6, 4, seed: 1, scale: 3)
    let labels = [2, 5]
    var points = Tensor(shape: [2, 4])
    for (i, y) in labels.enumerated() { for c in 0..<4 { points.scalars[i * 4 + c] = codes.scalars[y * 4 + c] } }
    let squared = Variable(points).pairwiseSquaredDistances(Variable(codes))
    let neighbours = [2: [0, 1, 3], 5: [4]]
    let a = NeighbourhoodSeparation.coefficients(
        squaredDistances: squared.value, labels: labels, neighbours: neighbours)
    let loss = NeighbourhoodSeparation.loss(squaredDistances: squared, coefficients: a).value.scalars[0]
    #expect(loss == 0)
    // Weights over neighbours are a distribution; the own column is 1.
    let rowSum = (0..<6).filter { $0 != 2 }.map { a.scalars[$0] }.reduce(0, +)
    #expect(abs(rowSum + 1) < 1e-6 && a.scalars[2] == 1)
    // Moved next to a neighbour (not onto it: a neighbour at distance 0 is left out, as in
    // the code), the point is penalised once that neighbour dominates the weighted mean
    // (with scale 0.001 the weights are nearly uniform, so far neighbours would hide it).
    var near = points
    for c in 0..<4 { near.scalars[c] = 0.9 * codes.scalars[3 * 4 + c] + 0.1 * codes.scalars[2 * 4 + c] }
    let nearSquared = Variable(near).pairwiseSquaredDistances(Variable(codes))
    let nearA = NeighbourhoodSeparation.coefficients(
        squaredDistances: nearSquared.value, labels: labels,
        neighbours: [2: [3], 5: [4]])
    #expect(NeighbourhoodSeparation.loss(squaredDistances: nearSquared, coefficients: nearA).value.scalars[0] > 0)
}

@Test func separationWeightsFollowTheSoftmaxOfScaledDistances() {
    let d = Tensor(shape: [1, 4], scalars: [9, 100, 400, 2500])
    let a = NeighbourhoodSeparation.coefficients(
        squaredDistances: d, labels: [0], neighbours: [0: [1, 2, 3]], scale: 0.001)
    let e = [100, 400, 2500].map { exp(-0.001 * Double($0)) }
    let total = e.reduce(0, +)
    for (slot, j) in [1, 2, 3].enumerated() { #expect(abs(Double(a.scalars[j]) + e[slot] / total) < 1e-6) }
    // No neighbour: the loss is the squared distance to the own code vector.
    let alone = NeighbourhoodSeparation.coefficients(squaredDistances: d, labels: [0], neighbours: [:])
    #expect(alone.scalars == [1, 0, 0, 0])
}

@Test func separationGradientMatchesFiniteDifferences() {
    let points = randomMatrix(5, 3, seed: 11), codes = randomMatrix(7, 3, seed: 12, scale: 1.5)
    let labels = [0, 3, 3, 6, 1]
    let neighbours = [0: [1, 2, 4], 3: [0, 5, 6], 6: [2], 1: [0, 3]]
    let a = NeighbourhoodSeparation.coefficients(
        squaredDistances: Variable(points).pairwiseSquaredDistances(Variable(codes)).value,
        labels: labels, neighbours: neighbours, scale: 0.3)
    // The check needs rows away from the ReLU kink, and at least one active row.
    let inner = withoutGradient {
        (Variable(points).pairwiseSquaredDistances(Variable(codes)) * Variable(a)).sum(axis: 1).value
    }
    #expect(inner.scalars.allSatisfy { abs($0) > 0.05 } && inner.scalars.contains { $0 > 0 })
    expectGradientsMatchFiniteDifferences([points, codes], step: 1e-3) { v in
        NeighbourhoodSeparation.loss(squaredDistances: v[0].pairwiseSquaredDistances(v[1]), coefficients: a)
    }
}

@Test func distanceCrossEntropyAndDistillationGradientsMatchFiniteDifferences() {
    let points = randomMatrix(6, 4, seed: 21), codes = randomMatrix(8, 4, seed: 22)
    let labels = [0, 7, 3, 3, 5, 1]
    expectGradientsMatchFiniteDifferences([points, codes], step: 1e-3) { v in
        let squared = NAPAVQLosses.squaredDistances(v[0], v[1])
        return Loss.crossEntropy(
            logits: NAPAVQLosses.distanceLogits(squaredDistances: squared, temperature: 0.5), labels: labels)
    }
    let teacher = randomMatrix(6, 4, seed: 23)
    expectGradientsMatchFiniteDifferences([points], step: 1e-3) { v in
        NAPAVQLosses.featureDistillation(student: v[0], teacher: teacher)
    }
    // ||F − F_old||_F itself (torch.dist), neither squared nor averaged.
    let value = NAPAVQLosses.featureDistillation(student: Variable(points), teacher: teacher).value.scalars[0]
    let reference = zip(points.scalars, teacher.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        .squareRoot()
    #expect(abs(Double(value) - reference) < 1e-5)
}

// MARK: prototype augmentation

@Test func augmentedPrototypesLieOnTheSegmentCloserToTheirClass() {
    var augmentation = PrototypeAugmentation()
    let features = randomMatrix(12, 5, seed: 31, scale: 2)
    augmentation.storeMeans(features: features, labels: Array(0..<12))
    var topology = NeuralGasTopology(count: 12, neighbourCount: 5)
    var generator = SeededGenerator(seed: 32)
    for _ in 0..<5 {
        topology.update(squaredDistances: randomMatrix(10, 12, seed: generator.next(), scale: 1).map { $0 * $0 })
    }
    let (points, labels) = augmentation.draw(count: 200, oldClasses: 3, topology: topology, generator: &generator)
    #expect(Set(labels).isSubset(of: [0, 4, 8]) && Set(labels).count == 3)
    var pairedWithAnother = 0
    for (i, label) in labels.enumerated() {
        let p = Array(points.scalars[(i * 5)..<(i * 5 + 5)])
        let own = augmentation.prototypes[label]!
        // Some connection j of the label puts p on [own, p_j] with γ ∈ [0.5, 1].
        let partner = topology.connections(of: label).first { j in
            let other = augmentation.prototypes[j]!
            let total = distance(own, other), toOwn = distance(p, own), toOther = distance(p, other)
            return abs(toOwn + toOther - total) < 1e-4 * max(1, total) && toOwn <= toOther + 1e-5
        }
        #expect(partner != nil, "point \(i) of label \(label) is not on a segment to a neighbour")
        if let partner, partner != label { pairedWithAnother += 1 }
    }
    #expect(pairedWithAnother > 0)
    // mix itself: γ = 1 gives p_c, γ = 0.5 the midpoint.
    #expect(PrototypeAugmentation.mix([1, 2], [3, 6], gamma: 1) == [1, 2])
    #expect(PrototypeAugmentation.mix([1, 2], [3, 6], gamma: 0.5) == [2, 4])
}

private func distance(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
}

private extension Tensor {
    func map(_ transform: (Float) -> Float) -> Tensor { Tensor(shape: shape, scalars: scalars.map(transform)) }
}

// MARK: the learner

/// Two tasks of tiny 6x6 images: per class a fixed random pattern plus noise (the four
/// rotations of a pattern differ, so rotation labels are learnable).
private func imageTask(index: Int, classes: [Int], seenClassCount: Int, perClass: Int, seed: UInt64) -> TaskData {
    var patterns = SeededGenerator(seed: 100)
    let pattern: [[Float]] = (0..<(classes.max()! + 1)).map { _ in (0..<36).map { _ in patterns.nextUniform() } }
    var generator = SeededGenerator(seed: seed)
    var scalars: [Float] = [], labels: [Int32] = []
    for _ in 0..<perClass {
        for c in classes {
            scalars += pattern[c].map { min(1, max(0, $0 + 0.1 * generator.nextNormal())) }
            labels.append(Int32(c))
        }
    }
    return TestData.task(
        index: index, classes: classes, seenClassCount: seenClassCount, sampleShape: [1, 6, 6],
        scalars: scalars, labels: labels)
}

private func napaLearner(
    augment: Bool = true, seed: UInt64 = 0, epochs: Int = 3, reuse: Bool = true,
    stages: StageCache = StageCache(), prototypeMeans: String = "augmented", imageAugmentations: [String] = []
) throws -> NAPAVQ {
    var training = TestData.training(epochs: epochs, batchSize: 8, lr: 1e-3, optimizer: "adam")
    training.schedule = "constant"
    training.augment = imageAugmentations
    let config = try LearnerConfig(
        specs: NAPAVQ.hyperparameters,
        given: [
            "augment_prototypes": .flag(augment), "draws": .integer(16),
            "reuse_base_task": .flag(reuse), "prototype_means": .text(prototypeMeans),
        ],
        training: training, backbone: BackboneConfig(kind: "mlp", widths: [32]))
    return try NAPAVQ(
        config: config, context: TestData.context(seed: seed, sampleShape: [1, 6, 6], classes: 5, stages: stages))
}

@Test func oldCodeVectorsStayBitIdenticalThroughAnIncrementalTask() throws {
    var learner = try napaLearner()
    try learner.learn(imageTask(index: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 6, seed: 1))
    let afterBase = learner.codeVectors.values
    #expect(afterBase.shape == [12, 32])
    expectTopologyInvariants(learner.topology)
    try learner.learn(imageTask(index: 1, classes: [3, 4], seenClassCount: 5, perClass: 6, seed: 2))
    let afterIncrement = learner.codeVectors.values
    #expect(afterIncrement.shape == [20, 32])
    #expect(Array(afterIncrement.scalars[0..<afterBase.count]) == afterBase.scalars)
    expectTopologyInvariants(learner.topology)
    // The new rows moved away from their N(0, 1) draw (they were trained), and every
    // augmented label has a prototype.
    var redraw = SeededGenerator(seed: 0)
    _ = redraw.split(); var codes = redraw.split()
    _ = (0..<(12 * 32)).map { _ in codes.nextNormal() }
    let initial = (0..<(8 * 32)).map { _ in codes.nextNormal() }
    #expect(Array(afterIncrement.scalars[afterBase.count...]) != initial)
    #expect(Set(learner.augmentation.prototypes.keys) == Set(0..<20))
    // The topology after each task is in the diagnostics.
    #expect(learner.context.diagnostics["topology_task0"]?.shape == [12, 12])
    #expect(learner.context.diagnostics["topology_task1"]?.shape == [20, 20])
    LearnerState.recordCurves(of: learner, in: learner.context)
    #expect(learner.context.diagnostics["train_pa"] != nil && learner.context.diagnostics["train_kd"] != nil)
}

@Test func learnsTheBaseTaskAndPredictsByNearestRotationZeroCodeVector() throws {
    var learner = try napaLearner(epochs: 20)
    let task = imageTask(index: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 8, seed: 5)
    try learner.learn(task)
    let (inputs, labels) = TestData.all(task)
    let prediction = learner.predict(inputs, task: nil)
    #expect(prediction.classCount == 3)
    #expect(TestData.accuracy(prediction.argmax(), labels) > 0.9)
    // The scores are −||n(f) − n(c_4y)||.
    let features = learner.backbone.features(of: inputs).rowsNormalized()
    let codes = learner.codeVectors.values.rowsNormalized()
    let d = features.shape[1]
    for y in 0..<3 {
        let expected = -distance(Array(features.scalars[0..<d]), Array(codes.scalars[(4 * y * d)..<(4 * y * d + d)]))
        #expect(abs(prediction.scores.scalars[y] - expected) < 1e-4)
    }
}

@Test func sameSeedSameRunAndTheAblationSkipsAugmentation() throws {
    func run(augment: Bool) throws -> NAPAVQ {
        var learner = try napaLearner(augment: augment)
        try learner.learn(imageTask(index: 0, classes: [0, 1], seenClassCount: 2, perClass: 4, seed: 1))
        try learner.learn(imageTask(index: 1, classes: [2], seenClassCount: 3, perClass: 4, seed: 2))
        LearnerState.recordCurves(of: learner, in: learner.context)
        return learner
    }
    let first = try run(augment: true), second = try run(augment: true), ablation = try run(augment: false)
    #expect(first.codeVectors.values == second.codeVectors.values)
    #expect(first.topology == second.topology)
    #expect(first.context.diagnostics["train_pa"] != nil)
    #expect(ablation.context.diagnostics["train_pa"] == nil)
    #expect(ablation.context.diagnostics["train_kd"] != nil)
    #expect(first.codeVectors.values != ablation.codeVectors.values)
}

@Test func codeVectorsTrainUnderPlainSGDWhateverTheTrainingBlockSays() throws {
    // Under Adam, a set that asks for plain SGD moves by exactly −lr · gradient.
    let network = Variable(Tensor(shape: [2], scalars: [1, -1]), requiresGrad: true)
    let codes = Variable(Tensor(shape: [2], scalars: [0.5, 2]), requiresGrad: true)
    var config = TestData.training(epochs: 1, lr: 0.01, optimizer: "adam")
    config.weightDecay = 0.1
    let optimizer = OptimizerFactory.optimizer(
        config,
        sets: [
            ParameterSet("network", [network]),
            ParameterSet("codes", [codes], learningRate: 5, weightDecay: 0, optimizer: .plainSGD),
        ])
    #expect(optimizer.groups.count == 2)
    ((network * network).sum() + (codes * codes).sum()).backward()
    optimizer.apply(ConstantSchedule(), at: 0)
    optimizer.step()
    let expected: [Float] = [0.5 - 5 * 1, 2 - 5 * 4]
    #expect(codes.value.scalars == expected)
    // Adam's first step moves each coordinate by about lr, whatever the gradient's size.
    let moved: [Bool] = network.value.scalars.map { (x: Float) -> Bool in abs(abs(x) - 0.99) < 1e-4 }
    #expect(moved == [true, true])
}

@Test func napaVQIsRegisteredWithTheCodeDefaults() throws {
    #expect(LearnerRegistry.type(named: "napa-vq") != nil)
    let config = try LearnerConfig(specs: NAPAVQ.hyperparameters, given: [:])
    #expect(config[NAPAVQ.codeVectorRate] == 5 && config[NAPAVQ.neighbours] == 15 && config[NAPAVQ.edgeDecay] == 0.9)
    #expect(config[NAPAVQ.draws] == 64 && config[NAPAVQ.augmentPrototypes] && config[NAPAVQ.augmentationWeight] == 10)
    #expect(config[NAPAVQ.distillationWeight] == 10 && config[NAPAVQ.temperature] == 0.1)
    #expect(config[NAPAVQ.edgeLifetime] == 10)
    #expect(!LearnerRegistry.planned.contains("napa-vq"))
}

@Test func theAblationReusesTheBaseTaskBitForBit() throws {
    let base = imageTask(index: 0, classes: [0, 1], seenClassCount: 2, perClass: 4, seed: 7)
    let next = imageTask(index: 1, classes: [2], seenClassCount: 3, perClass: 4, seed: 8)
    // Learners of one run share its stage cache; a learner of another run (its own cache) does not.
    let run = StageCache()
    var first = try napaLearner(augment: true, seed: 41, stages: run)
    try first.learn(base)
    var reusing = try napaLearner(augment: false, seed: 41, stages: run)
    var retraining = try napaLearner(augment: false, seed: 41, reuse: false, stages: run)
    var otherRun = try napaLearner(augment: false, seed: 41)
    try reusing.learn(base)
    try retraining.learn(base)
    try otherRun.learn(base)
    #expect(reusing.context.notes["base_task"] != nil && retraining.context.notes["base_task"] == nil)
    #expect(reusing.context.notes["stage.napa-vq-base-task"]?.hasPrefix("reused from") == true)
    #expect(otherRun.context.notes["base_task"] == nil)
    #expect(reusing.codeVectors.values == retraining.codeVectors.values)
    #expect(reusing.topology == retraining.topology)
    #expect(reusing.backbone.stateDictionary() == retraining.backbone.stateDictionary())
    #expect(reusing.curves.losses == retraining.curves.losses)
    #expect(reusing.curves.extras == retraining.curves.extras)
    try reusing.learn(next)
    try retraining.learn(next)
    #expect(reusing.codeVectors.values == retraining.codeVectors.values)
    #expect(reusing.backbone.stateDictionary() == retraining.backbone.stateDictionary())
    #expect(reusing.augmentation.prototypes == retraining.augmentation.prototypes)
}

/// The code's `proto_save` averages features of augmented training batches; `plain` averages
/// the images as they are. Without image augmentations the two give the same means (up to
/// summation order); with crop and flip they differ, and every class still has its 4 prototypes.
@Test func prototypeMeansFollowTheTrainingAugmentationsUnlessPlain() throws {
    let task = imageTask(index: 0, classes: [0, 1, 2], seenClassCount: 3, perClass: 6, seed: 1)
    func prototypes(_ means: String, _ augment: [String]) throws -> [Int: [Float]] {
        var learner = try napaLearner(epochs: 1, prototypeMeans: means, imageAugmentations: augment)
        try learner.learn(task)
        return learner.augmentation.prototypes
    }
    let plain = try prototypes("plain", []), same = try prototypes("augmented", [])
    #expect(Set(plain.keys) == Set(0..<12) && Set(same.keys) == Set(0..<12))
    for label in 0..<12 {
        #expect(zip(plain[label]!, same[label]!).allSatisfy { abs($0 - $1) <= 1e-5 }, "label \(label)")
    }
    let cropped = try prototypes("augmented", ["crop4", "hflip"])
    #expect(Set(cropped.keys) == Set(0..<12))
    #expect((0..<12).contains { label in zip(plain[label]!, cropped[label]!).contains { abs($0 - $1) > 1e-4 } })
}
