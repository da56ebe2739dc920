import CLData
import CLTensor
import Foundation
import Testing
@testable import CLLearners

/// Two task-incremental tasks of two classes each (blobs in 6-d).
private let taskA = TestData.blobs(
    task: 0, classes: [0, 1], seenClassCount: 2, perClass: 24, dimension: 6, spread: 0.4, sampleSeed: 1)
private let taskB = TestData.blobs(
    task: 1, classes: [2, 3], seenClassCount: 4, perClass: 24, dimension: 6, spread: 0.4, sampleSeed: 2)

private func hypernetConfig(_ given: [String: HyperparameterValue] = [:], iterations: Int = 60) throws -> LearnerConfig
{
    var values: [String: HyperparameterValue] = [
        "hnet_hidden": .numbers([8]), "embedding_size": .integer(4), "chunk_size": .integer(40),
        "chunk_embedding_size": .integer(3), "iterations": .integer(iterations), "beta": .number(1),
    ]
    for (k, v) in given { values[k] = v }
    var training = TestData.training(epochs: 1, batchSize: 12, lr: 0.01, optimizer: "adam")
    training.weightDecay = 0
    return try LearnerConfig(
        specs: Hypernet.hyperparameters, given: values, training: training,
        backbone: BackboneConfig(kind: "mlp", widths: [5]))
}

private func context(seed: UInt64 = 3, kind: String = "task-incremental") -> LearnerContext {
    LearnerContext(seed: seed, sampleShape: [6], totalClassCount: 4, taskCount: 2, streamKind: kind)
}

/// Largest |a − b| / max(1, |b|); NaN anywhere gives NaN (so comparisons with it fail).
private func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape)
    var worst: Float = 0
    for i in 0..<a.count {
        let d = abs(a.scalars[i] - b.scalars[i]) / max(1, abs(b.scalars[i]))
        if d.isNaN { return .nan }
        worst = max(worst, d)
    }
    return worst
}

private func norm(_ t: Tensor) -> Float { t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot() }

@Test func targetNetworkAndGeneratorsHaveExactSizes() {
    let target = TargetNetwork(inputSize: 784, hiddenWidths: [100, 100], outputSize: 10)
    #expect(target.parameterCount == 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10)  // 89 610
    var g = SeededGenerator(seed: 1)
    let chunked = ChunkedMLPGenerator(
        outputLength: 1000, embeddingSize: 4, chunkSize: 300, chunkEmbeddingSize: 3, hidden: [5],
        activation: .sigmoid, generator: &g)
    #expect(chunked.chunkCount == 4)
    let condition = TaskCondition(
        embedding: Variable(Tensor(shape: [4], repeating: 0.5)),
        chunkEmbeddings: Variable(Tensor(shape: [4, 3], repeating: 0.1)))
    #expect(chunked.generate(condition).shape == [1000])
    let whole = ChunkedMLPGenerator(
        outputLength: 37, embeddingSize: 4, chunkSize: 0, chunkEmbeddingSize: 3, hidden: [],
        activation: .relu, generator: &g)
    #expect(whole.chunkCount == 0)
    #expect(whole.generate(TaskCondition(embedding: condition.embedding, chunkEmbeddings: nil)).shape == [37])
    // Recurrent: chunks never span layers: layers of 35, 12 and 6 scalars in chunks of 10 → 4 + 2 + 1 steps.
    let recurrent = RecurrentGenerator(
        layerParameterCounts: [35, 12, 6], layerDeviations: [0.1, 0.1, 0.1], embeddingSize: 4, chunkSize: 10,
        chunkEmbeddingSize: 3, stateSize: 5, generator: &g)
    #expect(recurrent.chunkCount == 7)
    #expect(recurrent.outputLength == 53)
    let steps = TaskCondition(
        embedding: condition.embedding, chunkEmbeddings: Variable(Tensor(shape: [7, 3], repeating: 0.2)))
    #expect(recurrent.generate(steps).shape == [53])
    #expect(Set(recurrent.validPositions).count == 53)
    #expect(recurrent.validPositions.allSatisfy { $0 < 7 * 10 })
}

/// The recurrent generator's per-layer gain: at initialisation each generated layer of the
/// (100, 100) MNIST MLP is spread like the target's own default initialisation (at most,
/// and not vanishingly less); without it layer 0 came out ~10x too wide.
@Test func recurrentGeneratorStartsAsSpreadAsTheTargetsOwnInitialisation() {
    let target = TargetNetwork(inputSize: 784, hiddenWidths: [100, 100], outputSize: 10)
    var g = SeededGenerator(seed: 11)
    let recurrent = RecurrentGenerator(
        layerParameterCounts: (0..<3).map { target.parameterCount(layer: $0) },
        layerDeviations: (0..<3).map { target.defaultDeviation(layer: $0) },
        embeddingSize: 32, chunkSize: 750, chunkEmbeddingSize: 16, stateSize: 100, generator: &g)
    for task in 0..<3 {
        let condition = TaskCondition(
            embedding: Variable(Initializer.normal([32], deviation: 1, generator: &g)),
            chunkEmbeddings: Variable(Initializer.normal([recurrent.chunkCount, 16], deviation: 0.1, generator: &g)))
        let theta = recurrent.generate(condition).value.scalars
        for layer in 0..<3 {
            let values = theta[
                target.offset(layer: layer)..<(target.offset(layer: layer) + target.parameterCount(layer: layer))]
            let mean = values.reduce(0, +) / Float(values.count)
            let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)).squareRoot()
            let wanted = target.defaultDeviation(layer: layer)
            #expect(
                deviation <= 1.1 * wanted && deviation >= 0.1 * wanted,
                "task \(task) layer \(layer): deviation \(deviation), target's own \(wanted)")
        }
    }
}

@Test(arguments: ["mlp", "rnn"], ["none", "mip"])
func gradientsThroughGeneratedWeightsMatchFiniteDifferences(generator: String, parametrization: String) throws {
    let learner = try Hypernet(
        config: hypernetConfig([
            "generator": .text(generator), "parametrization": .text(parametrization),
            "hnet_activation": .text("tanh"), "chunk_size": .integer(13),
        ]),
        context: context())
    var random = SeededGenerator(seed: 5)
    learner.model.addTask(generator: &random)
    let (inputs, labels) = TestData.all(taskA)
    let x = Variable(Tensor(shape: [6, 6], scalars: Array(inputs.scalars[0..<36])))
    let y = Array(labels[0..<6])
    let loss = {
        Loss.crossEntropy(
            logits: learner.model.target(x, theta: learner.model.weights(task: 0)).indexSelect([0, 1], axis: 1),
            labels: y)
    }
    expectGradientsMatchFiniteDifferences(
        parameters: learner.model.sharedParameters + learner.model.taskParameters(0), loss)
}

@Test func regularizerIsZeroAtTheFirstStepOfATask() throws {
    let learner = try Hypernet(config: hypernetConfig(), context: context())
    var random = SeededGenerator(seed: 5)
    learner.model.addTask(generator: &random)
    learner.model.addTask(generator: &random)
    var regularizer = OutputRegularizer(beta: 10)
    #expect(regularizer.loss(regenerate: learner.model.weights(task:)) == nil)  // no earlier task
    regularizer.takeTargets(learner.model.allWeights())
    let value = regularizer.loss(regenerate: learner.model.weights(task:))?.value.scalars[0]
    #expect(value == 0)
    // And it is not identically zero: moving θ makes it positive.
    learner.model.sharedParameters[0].value.scalars[0] += 0.5
    let moved = regularizer.loss(regenerate: learner.model.weights(task:))?.value.scalars[0] ?? .nan
    #expect(moved > 0)
}

@Test func regularizerKeepsOnlyAnOldTasksOwnHead() {
    let target = TargetNetwork(inputSize: 3, hiddenWidths: [2], outputSize: 4)
    let mask = target.mask(keepingOutputs: [2, 3])
    // Hidden layer (3·2 + 2 = 8) all kept; output layer: rows 2, 3 of the [4, 2] weight and biases 2, 3.
    #expect(Array(mask.scalars[0..<8]) == Array(repeating: 1, count: 8))
    #expect(Array(mask.scalars[8..<16]) == [0, 0, 0, 0, 1, 1, 1, 1])
    #expect(Array(mask.scalars[16..<20]) == [0, 0, 1, 1])
    var regularizer = OutputRegularizer(beta: 1)
    let snapshot = Tensor(shape: [20], repeating: 0.5)
    regularizer.takeTargets([snapshot], masks: [mask])
    var moved = snapshot
    moved.scalars[8] += 3  // another head's weight: free
    moved.scalars[16] -= 2  // another head's bias: free
    #expect(regularizer.loss(regenerate: { _ in Variable(moved) })?.value.scalars[0] == 0)
    moved.scalars[12] += 1  // the task's own head: kept
    #expect(regularizer.loss(regenerate: { _ in Variable(moved) })?.value.scalars[0] == 1)
}

@Test func datasetSizeTaskLossScaleDividesTheRegularizerByN() throws {
    let learner = try Hypernet(config: hypernetConfig(), context: context())
    var random = SeededGenerator(seed: 5)
    learner.model.addTask(generator: &random)
    var regularizer = OutputRegularizer(beta: 2)
    regularizer.takeTargets(learner.model.allWeights())
    learner.model.addTask(generator: &random)
    learner.model.sharedParameters[0].value.scalars[0] += 0.5
    let head = learner.layout.head(task: 1, classes: [2, 3])
    let (inputs, labels) = TestData.all(taskB)
    let plain = Hypernet.StepLoss(model: learner.model, regularizer: regularizer, head: head, task: 1)(
        inputs: inputs, labels: labels)
    let scaled = Hypernet.StepLoss(
        model: learner.model, regularizer: regularizer, head: head, task: 1, regularizerScale: 0.25)(
            inputs: inputs, labels: labels)
    let r = try #require(plain.regularizer), rs = try #require(scaled.regularizer)
    #expect(r > 0)
    #expect(abs(rs - r / 4) <= 1e-6 * r)
    #expect(plain.taskLoss == scaled.taskLoss)
    #expect(abs(scaled.loss.value.scalars[0] - (scaled.taskLoss + rs)) <= 1e-5)
}

@Test func betaZeroIsFineTuningThroughTheHypernetwork() throws {
    let ctx = context()
    var learner = try Hypernet(config: hypernetConfig(["beta": .number(0)]), context: ctx)
    try learner.learn(taskA)
    let snapshot = learner.model.allWeights()[0]
    try learner.learn(taskB)
    LearnerState.recordCurves(of: learner, in: ctx)
    // The objective is exactly the task's cross-entropy: the total loss curve equals the task-loss
    // curve, no regulariser recorded.
    let total = try #require(ctx.diagnostics["train_loss"]), taskLoss = try #require(ctx.diagnostics["train_task_loss"])
    #expect(relativeDifference(total, taskLoss) == 0)
    #expect(ctx.diagnostics["train_regularizer"] == nil)
    // Nothing holds task 0's weights in place: they drift.
    let drift =
        norm(
            Tensor(
                shape: snapshot.shape,
                scalars: zip(learner.model.allWeights()[0].scalars, snapshot.scalars).map { $0 - $1 })) / norm(snapshot)
    #expect(drift > 0.05, "relative drift \(drift)")
}

@Test(arguments: ["mlp", "rnn"])
func oldTasksGeneratedWeightsStayNearTheirSnapshots(generator: String) throws {
    func drift(beta: Double) throws -> (drift: Float, learner: Hypernet) {
        var learner = try Hypernet(
            config: hypernetConfig(["beta": .number(beta), "generator": .text(generator)], iterations: 80),
            context: context())
        try learner.learn(taskA)
        let snapshot = learner.model.allWeights()[0]
        try learner.learn(taskB)
        let now = learner.model.allWeights()[0]
        // What task 0 uses (and the regulariser keeps): all but the other task's output units.
        let mask = learner.model.target.mask(keepingOutputs: learner.heads[0].columns).scalars
        let change = zip(zip(now.scalars, snapshot.scalars), mask).map { ($0.0 - $0.1) * $1 }
        let kept = zip(snapshot.scalars, mask).map { $0 * $1 }
        return (
            norm(Tensor(shape: now.shape, scalars: change)) / norm(Tensor(shape: now.shape, scalars: kept)), learner
        )
    }
    let regularised = try drift(beta: 100)
    let unregularised = try drift(beta: 0)
    #expect(regularised.drift < 0.02, "relative drift with β = 100: \(regularised.drift)")
    #expect(
        regularised.drift < unregularised.drift / 5, "β = 100: \(regularised.drift), β = 0: \(unregularised.drift)")
}

@Test func learnsTasksAndInfersThemByEntropy() throws {
    let ctx = context()
    var learner = try Hypernet(config: hypernetConfig(iterations: 150), context: ctx)
    try learner.learn(taskA)
    try learner.learn(taskB)
    for (t, task) in [(0, taskA), (1, taskB)] {
        let test = TestData.all(
            TestData.blobs(
                task: t, classes: task.classes, seenClassCount: 4, perClass: 20, dimension: 6, spread: 0.4,
                sampleSeed: 9 + UInt64(t)))
        let both = learner.predict(test.inputs, knownTask: t)
        #expect(TestData.accuracy(both.taskAware.argmax(restrictedTo: task.classes), test.labels) > 0.95)
        // Probabilities: rows sum to 1 over the chosen head.
        for row in 0..<test.labels.count {
            let sum = (0..<4).reduce(Float(0)) { $0 + both.taskAgnostic.scores.scalars[row * 4 + $1] }
            #expect(abs(sum - 1) < 1e-4)
        }
    }
    // The runner's one call per batch gives the same scores, the distribution and the inferred tasks.
    for (t, task) in [(0, taskA), (1, taskB)] {
        let test = TestData.all(
            TestData.blobs(
                task: t, classes: task.classes, seenClassCount: 4, perClass: 20, dimension: 6,
                spread: 0.4, sampleSeed: 9 + UInt64(t)))
        let both = learner.predict(test.inputs, knownTask: t)
        var generator = SeededGenerator(seed: 0)
        let result = learner.evaluate(
            TestBatch(inputs: test.inputs, task: t, chunk: 0),
            request: EvaluationRequest(knownTask: t, distribution: true), generator: &generator)
        #expect(
            result.taskAware?.scores == both.taskAware.scores && result.taskAgnostic.scores == both.taskAgnostic.scores)
        #expect(result.distribution?.probabilities == both.taskAgnostic.scores)
        let inferred = try #require(result.inferredTasks)
        #expect(inferred.count == test.labels.count)
        // HNET+ENT's choice: the lowest-entropy head of each sample.
        let perTask = (0..<2).map { learner.headProbabilities(test.inputs, task: $0) }
        #expect(inferred == EntropyTaskInference.chooseTasks(perTask))
    }
    #expect(ctx.diagnostics["task_inference_accuracy"] == nil)  // recorded by the runner, not by predictions
}

@Test func entropyInferencePicksTheMostConfidentTaskAndNeverNaN() {
    let confident = Tensor(shape: [2, 2], scalars: [0.99, 0.01, 0.5, 0.5])
    let unsure = Tensor(shape: [2, 2], scalars: [0.6, 0.4, 0.9, 0.1])
    #expect(EntropyTaskInference.chooseTasks([confident, unsure]) == [0, 1])
    let broken = Tensor(shape: [2, 2], scalars: [.nan, .nan, .nan, .nan])
    #expect(EntropyTaskInference.chooseTasks([unsure, broken]) == [0, 0])
    #expect(abs(EntropyTaskInference.entropies(Tensor(shape: [1, 4], repeating: 0.25))[0] - log(4)) < 1e-9)
}

@Test func permutedStreamsGiveEachTaskItsOwnHead() throws {
    let learner = try Hypernet(config: hypernetConfig(), context: context(kind: "permuted"))
    #expect(learner.layout.outputSize == 8)  // 2 tasks x 4 classes
    #expect(learner.layout.head(task: 1, classes: []).columns == [4, 5, 6, 7])
    #expect(learner.layout.head(task: 1, classes: []).classes == [0, 1, 2, 3])
}

@Test func hypernetRejectsNonMLPBackbonesAndSGD() throws {
    #expect(throws: HyperparameterError.self) {
        try Hypernet(
            config: LearnerConfig(
                specs: Hypernet.hyperparameters, given: [:], training: TestData.training(epochs: 1, optimizer: "adam")),
            context: context())
    }
    #expect(throws: HyperparameterError.self) {
        try Hypernet(
            config: LearnerConfig(
                specs: Hypernet.hyperparameters, given: [:], training: TestData.training(epochs: 1, optimizer: "sgd"),
                backbone: BackboneConfig(kind: "mlp", widths: [5])), context: context())
    }
    #expect(LearnerRegistry.type(named: "hypernet") != nil)
}

@Test func aSharedStepBudgetThatDisagreesWithIterationsIsRefused() throws {
    var training = TestData.training(epochs: 1, batchSize: 12, lr: 0.01, optimizer: "adam")
    training.steps = 500
    let given: [String: HyperparameterValue] = ["hnet_hidden": .numbers([8]), "iterations": .integer(60)]
    let backbone = BackboneConfig(kind: "mlp", widths: [5])
    #expect(throws: HyperparameterError.self) {
        try Hypernet(
            config: LearnerConfig(
                specs: Hypernet.hyperparameters, given: given, training: training, backbone: backbone),
            context: context())
    }
    training.steps = 60  // the same budget said twice is not a conflict
    _ = try Hypernet(
        config: LearnerConfig(specs: Hypernet.hyperparameters, given: given, training: training, backbone: backbone),
        context: context())
}
