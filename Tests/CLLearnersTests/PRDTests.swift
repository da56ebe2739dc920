import CLData
import CLTensor
import Foundation
import Testing
@testable import CLLearners

// PRD's invariants (specs/LEARNERS.md §3) and the gradients of its losses.

private func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var t = Tensor(shape: shape)
    for i in 0..<t.count { t.scalars[i] = scale * generator.nextNormal() }
    return t
}

/// Prototypes for tasks [0, 1] and [2, 3] in `dimension`-d, from a seed.
private func prototypes(dimension: Int = 5, seed: UInt64 = 3) throws -> TaskPrototypes {
    let result = TaskPrototypes(featureDimension: dimension)
    var generator = SeededGenerator(seed: seed)
    try result.addHead(for: [0, 1], generator: &generator)
    try result.addHead(for: [2, 3], generator: &generator)
    return result
}

@Suite struct PRDLossTests {
    /// Four unit vectors in 2-d, two views' worth of samples with labels [0, 0, 1, 1], worked
    /// out by hand: the dot products of z0 = (1, 0), z1 = (0.6, 0.8), z2 = (0, 1),
    /// z3 = (−0.8, 0.6) are z0·z1 = 0.6, z0·z2 = 0, z0·z3 = −0.8, z1·z2 = 0.8, z1·z3 = 0,
    /// z2·z3 = 0.6; each anchor has one positive, so with τ = 0.1 its term is
    /// −(z_i·z_p/τ − log Σ_{a≠i} exp(z_i·z_a/τ)), and the loss is (0.1/0.07) times their mean.
    @Test func supervisedContrastiveMatchesTheHandComputedFourSampleCase() {
        let z = Tensor(shape: [4, 2], scalars: [1, 0, 0.6, 0.8, 0, 1, -0.8, 0.6])
        let loss = Loss.supervisedContrastive(
            features: Variable(z), labels: [0, 0, 1, 1], temperature: 0.1,
            baseTemperature: PRDStep.baseTemperature
        ).value.scalars[0]
        func term(positive: Double, others: [Double]) -> Double {
            -(positive - Foundation.log(([positive] + others).map { Foundation.exp($0) }.reduce(0, +)))
        }
        let anchor0: Double = term(positive: 6, others: [0, -8])
        let anchor1: Double = term(positive: 6, others: [8, 0])
        let anchor2: Double = term(positive: 6, others: [0, 8])
        let anchor3: Double = term(positive: 6, others: [-8, 0])
        let mean: Double = (anchor0 + anchor1 + anchor2 + anchor3) / 4
        let expected: Double = (0.1 / 0.07) * mean
        #expect(Swift.abs(Double(loss) - expected) < 1e-5, "SupCon \(loss), by hand \(expected)")
    }

    @Test func supervisedContrastiveGradientMatchesFiniteDifferences() {
        let raw = random([6, 3], seed: 11)
        expectGradientsMatchFiniteDifferences([raw]) {
            Loss.supervisedContrastive(
                features: $0[0].l2Normalized(), labels: [0, 1, 0, 1, 2, 2], temperature: 0.1,
                baseTemperature: PRDStep.baseTemperature)
        }
    }

    @Test func relationDistillationIsZeroWhenStudentEqualsTeacher() throws {
        let student = try prototypes()
        let teacher = TaskPrototypes(frozenCopyOf: student)
        let features = random([7, 5], seed: 4, scale: 2)
        let loss = RelationDistillation.loss(
            studentFeatures: Variable(features), studentPrototypes: student,
            teacherFeatures: features, teacherPrototypes: teacher, temperature: 1)
        let value = loss.value.scalars[0]
        #expect(Swift.abs(value) < 1e-6, "L_d = \(value) with identical student and teacher")
    }

    @Test func relationDistillationIsZeroOnTheFirstTask() throws {
        let student = TaskPrototypes(featureDimension: 5)
        var generator = SeededGenerator(seed: 1)
        try student.addHead(for: [0, 1], generator: &generator)
        let teacher = TaskPrototypes(featureDimension: 5)  // nothing learned before the first task
        let loss = RelationDistillation.loss(
            studentFeatures: Variable(random([4, 5], seed: 2), requiresGrad: true),
            studentPrototypes: student, teacherFeatures: random([4, 5], seed: 3),
            teacherPrototypes: teacher, temperature: 1)
        #expect(loss.value.scalars == [0])
        #expect(!loss.requiresGrad)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func relationDistillationIsNonNegative(seed: UInt64) throws {
        let student = try prototypes(seed: seed)
        let teacher = TaskPrototypes(frozenCopyOf: try prototypes(seed: seed + 100))
        for temperature: Float in [0.5, 1, 2] {
            let value = RelationDistillation.loss(
                studentFeatures: Variable(random([6, 5], seed: seed, scale: 3)),
                studentPrototypes: student,
                teacherFeatures: random([6, 5], seed: seed + 50, scale: 3),
                teacherPrototypes: teacher, temperature: temperature
            ).value.scalars[0]
            #expect(value > 0, "L_d = \(value) for different student and teacher (T_d = \(temperature))")
        }
    }

    /// L_d sums over every earlier task: with two teacher heads it is the sum of the
    /// per-task KL terms, each a softmax over that task's prototypes only.
    @Test func relationDistillationSumsPerTaskSoftmaxes() throws {
        let student = try prototypes()
        let teacher = TaskPrototypes(frozenCopyOf: try prototypes(seed: 9))
        let (s, t) = (random([3, 5], seed: 5), random([3, 5], seed: 6))
        let total = RelationDistillation.loss(
            studentFeatures: Variable(s), studentPrototypes: student,
            teacherFeatures: t, teacherPrototypes: teacher, temperature: 2
        ).value.scalars[0]
        var expected = 0.0
        for task in 0..<2 {
            let studentScores = student.relationScores(Variable(s), task: task).value
            let teacherScores = teacher.relationScores(Variable(t), task: task).value
            for i in 0..<3 {
                let q = softmax((0..<2).map { Double(teacherScores.scalars[i * 2 + $0]) / 2 })
                let p = softmax((0..<2).map { Double(studentScores.scalars[i * 2 + $0]) / 2 })
                expected += (0..<2).map { q[$0] * Foundation.log(q[$0] / p[$0]) }.reduce(0, +) / 3
            }
        }
        #expect(Swift.abs(Double(total) - expected) < 1e-5, "L_d \(total), by hand \(expected)")
    }

    private func softmax(_ x: [Double]) -> [Double] {
        let top = x.max()!
        let e = x.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// Relation scores use the raw feature and the normalised prototype: s = g(x)·w/||w||.
    @Test func relationScoresNormaliseOnlyThePrototypes() throws {
        let p = try prototypes()
        let features = random([2, 5], seed: 8, scale: 4)
        let scores = p.relationScores(Variable(features), task: 1).value
        let head = p.heads[1].value
        for i in 0..<2 {
            for c in 0..<2 {
                var dot = 0.0, norm = 0.0
                for k in 0..<5 {
                    dot += Double(features.scalars[i * 5 + k]) * Double(head.scalars[c * 5 + k])
                    norm += Double(head.scalars[c * 5 + k] * head.scalars[c * 5 + k])
                }
                #expect(Swift.abs(Double(scores.scalars[i * 2 + c]) - dot / norm.squareRoot()) < 1e-4)
            }
        }
    }

    @Test func relationDistillationGradientMatchesFiniteDifferences() throws {
        let teacher = TaskPrototypes(frozenCopyOf: try prototypes(seed: 21))
        let teacherFeatures = random([4, 5], seed: 22)
        let initial = try prototypes(seed: 23)
        expectGradientsMatchFiniteDifferences([
            random([4, 5], seed: 24), initial.heads[0].value, initial.heads[1].value,
        ]) { v in
            let student = TaskPrototypes(featureDimension: 5)
            student.setHeads([v[1], v[2]], classes: [[0, 1], [2, 3]])
            return RelationDistillation.loss(
                studentFeatures: v[0], studentPrototypes: student, teacherFeatures: teacherFeatures,
                teacherPrototypes: teacher, temperature: 1.5)
        }
    }

    @Test func prototypeLossGradientMatchesFiniteDifferences() throws {
        let features = random([6, 5], seed: 31)
        let initial = try prototypes(seed: 32)
        expectGradientsMatchFiniteDifferences([initial.heads[1].value]) { v in
            let p = TaskPrototypes(featureDimension: 5)
            p.setHeads([Variable(initial.heads[0].value), v[0]], classes: [[0, 1], [2, 3]])
            return p.prototypeLoss(features: features, labels: [2, 3, 3, 2, 2, 3], task: 1)
        }
    }

    @Test func prototypeLossIsOneMinusTheMeanCosine() throws {
        let p = try prototypes()
        let features = random([3, 5], seed: 41)
        let loss = p.prototypeLoss(features: features, labels: [2, 3, 2], task: 1).value.scalars[0]
        let cosines = matrixProduct(features.rowsNormalized(), p.heads[1].value.rowsNormalized(), transposeB: true)
        let expected = 1 - (cosines.scalars[0] + cosines.scalars[3] + cosines.scalars[4]) / 3
        #expect(Swift.abs(loss - expected) < 1e-5, "L_p \(loss), by hand \(expected)")
    }
}

// MARK: - The learner

private let sampleShape = [6]
private let taskA = TestData.blobs(
    task: 0, classes: [0, 1], seenClassCount: 2, perClass: 24, dimension: 6, spread: 0.4, sampleSeed: 1)
private let taskB = TestData.blobs(
    task: 1, classes: [2, 3], seenClassCount: 4, perClass: 24, dimension: 6, spread: 0.4, sampleSeed: 2)
private let testA = TestData.all(
    TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 25, dimension: 6, spread: 0.4, sampleSeed: 3))

private func prdConfig(_ given: [String: HyperparameterValue] = [:], epochs: Int = 15) throws -> LearnerConfig {
    try LearnerConfig(
        specs: PRD.hyperparameters, given: given, training: TestData.training(epochs: epochs, batchSize: 12, lr: 0.05),
        backbone: BackboneConfig(kind: "mlp", widths: [16]))
}

/// A batch of two identical views of task B's first samples, as the loop would hand it.
private func batchOfTaskB(step: Int = 0) -> TrainingBatch {
    let positions = Array(0..<8)
    let inputs = taskB.inputs(at: positions)
    let labels = positions.map { Int(taskB.labels[$0]) }
    return TrainingBatch(
        views: [inputs, inputs], viewLabels: [labels, labels], labels: labels, positions: positions,
        task: 1, epoch: 1, step: step, scheduleFactor: 1)
}

@Suite struct PRDLearnerTests {
    @Test func isRegisteredWithTheDocumentedDefaults() throws {
        #expect(LearnerRegistry.type(named: "prd") != nil)
        let config = try prdConfig()
        #expect(config[PRD.distillWeight] == 4)
        #expect(config[PRD.prototypeWeight] == 2)
        #expect(config[PRD.supconTemperature] == 0.1)
        #expect(config[PRD.distillTemperature] == 1)
        #expect(config[PRD.projectionDimension] == 128)
        #expect(config[PRD.projectionLayers] == 3)
        #expect(PRD.supportedBackbones?.contains("identity") == false)
    }

    /// At the first step of the second task the student is the teacher (same weights, both
    /// on batch statistics of the same batch), so L_d is exactly what it is at a fixed point: 0.
    @Test func distillationIsZeroAtTheStartOfTheSecondTask() throws {
        var learner = try PRD(
            config: prdConfig(epochs: 3), context: TestData.context(seed: 1, sampleShape: sampleShape))
        try learner.learn(taskA)
        let teacher = try #require(try learner.teacherForNextTask())
        var generator = SeededGenerator(seed: 5)
        try learner.prototypes.addHead(for: [2, 3], generator: &generator)
        let step = PRDStep(
            backbone: learner.backbone, projection: learner.projection, prototypes: learner.prototypes,
            teacher: teacher, weights: learner.weights, columns: 4)
        learner.backbone.isTraining = true
        defer { learner.backbone.isTraining = false }
        let batch = batchOfTaskB()
        let loss = step.loss(batch)
        let distill = try #require(batch.recorded["distill"])
        #expect(Swift.abs(distill) < 1e-6, "L_d = \(distill) with the student equal to its teacher")
        #expect(loss.value.scalars[0].isFinite)
    }

    @Test func prototypeLossSendsNoGradientIntoTheBackbone() throws {
        var learner = try PRD(
            config: prdConfig(epochs: 2), context: TestData.context(seed: 2, sampleShape: sampleShape))
        try learner.learn(taskA)
        var generator = SeededGenerator(seed: 5)
        try learner.prototypes.addHead(for: [2, 3], generator: &generator)
        // The loop leaves the last step's gradients in place: clear them first.
        for parameter in learner.backbone.network.parameters + learner.prototypes.parameters {
            parameter.zeroGradient()
        }
        let batch = batchOfTaskB()
        let features = learner.backbone.trainingFeatures(of: batch.inputs)
        let loss = learner.prototypes.prototypeLoss(features: features.value, labels: batch.labels, task: 1)
        loss.backward()
        for parameter in learner.backbone.network.parameters {
            #expect(parameter.grad == nil || parameter.grad!.scalars.allSatisfy { $0 == 0 })
        }
        #expect(learner.prototypes.heads[0].grad == nil, "L_p must not touch earlier tasks' prototypes")
        let headGradient = try #require(learner.prototypes.heads[1].grad)
        #expect(headGradient.scalars.contains { $0 != 0 } && headGradient.scalars.allSatisfy(\.isFinite))
    }

    @Test func learnsTwoTasksAndKeepsTheFirst() throws {
        let context = TestData.context(seed: 3, sampleShape: sampleShape)
        var learner = try PRD(config: prdConfig(), context: context)
        try learner.learn(taskA)
        let before = TestData.accuracy(learner.predict(testA.inputs, task: nil).argmax(), testA.labels)
        #expect(before > 0.9, "accuracy on task A after learning it: \(before)")
        try learner.learn(taskB)
        let after = TestData.accuracy(learner.predict(testA.inputs, task: nil).argmax(), testA.labels)
        #expect(after > 0.6, "accuracy on task A after task B: \(after)")
        LearnerState.recordCurves(of: learner, in: context)  // what the runner does after each task
        #expect(context.diagnostics["train_distill"] != nil)
        #expect(context.diagnostics["train_supcon"]?.scalars.allSatisfy(\.isFinite) == true)
        let weights = LearnerState.weights(of: learner)
        #expect(weights["prototypes.heads.1.weight"]?.shape == [2, 16])
        // The code's main.py projection: d -> d -> d -> 128.
        #expect(weights["projection.layers.1.0.weight"]?.shape == [16, 16])
        #expect(weights["projection.layers.2.0.weight"]?.shape == [128, 16])
    }

    @Test func theProjectionHasTheRequestedDepthAndRefusesFewerThanTwoLayers() throws {
        let context = TestData.context(seed: 3, sampleShape: sampleShape)
        let two = try PRD(config: prdConfig(["projection_layers": .integer(2)]), context: context)
        #expect(two.projection.layers.map(\.weight.shape) == [[16, 16], [128, 16]])
        let four = try PRD(config: prdConfig(["projection_layers": .integer(4)]), context: context)
        #expect(four.projection.layers.count == 4)
        let input = Variable(Tensor(shape: [3, 16], repeating: 0.5))
        #expect(four.projection(input).shape == [3, 128])
        #expect(throws: HyperparameterError.self) { try prdConfig(["projection_layers": .integer(1)]) }
    }

    @Test func theAblationKeepsNoTeacher() throws {
        var learner = try PRD(
            config: prdConfig(["distill_weight": .number(0)], epochs: 2),
            context: TestData.context(seed: 4, sampleShape: sampleShape))
        try learner.learn(taskA)
        try learner.learn(taskB)
        #expect(try learner.teacherForNextTask() == nil)
    }

    /// Scores are cosines in the label's column; with a task id, other tasks' columns hold
    /// −2 (below any cosine), so the argmax stays within the task's head.
    @Test func predictionsAreCosinesAndTaskRestrictedWithATaskId() throws {
        var learner = try PRD(
            config: prdConfig(epochs: 2), context: TestData.context(seed: 5, sampleShape: sampleShape))
        #expect(learner.predict(testA.inputs, task: nil).classCount == 0)
        try learner.learn(taskA)
        try learner.learn(taskB)
        let all = learner.predict(testA.inputs, task: nil).scores
        #expect(all.shape == [testA.labels.count, 4])
        #expect(all.scalars.allSatisfy { $0 >= -1.0001 && $0 <= 1.0001 })
        let restricted = learner.predict(testA.inputs, task: 1)
        for row in 0..<testA.labels.count {
            #expect(restricted.scores.scalars[row * 4] == -2 && restricted.scores.scalars[row * 4 + 1] == -2)
            #expect(restricted.scores.scalars[row * 4 + 2] == all.scalars[row * 4 + 2])
        }
        #expect(restricted.argmax().allSatisfy { $0 == 2 || $0 == 3 })
    }

    @Test func refusesAClassThatAlreadyHasAPrototype() throws {
        var learner = try PRD(
            config: prdConfig(epochs: 1), context: TestData.context(seed: 6, sampleShape: sampleShape))
        try learner.learn(taskA)
        let again = TestData.blobs(
            task: 1, classes: [0, 1], seenClassCount: 2, perClass: 4, dimension: 6, sampleSeed: 9)
        #expect(throws: PRDError.self) { try learner.learn(again) }
    }
}
