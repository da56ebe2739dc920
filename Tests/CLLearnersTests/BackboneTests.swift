import CLTensor
import Testing
@testable import CLLearners

func parameterCount(_ layer: some Layer) -> Int { layer.parameters.reduce(0) { $0 + $1.value.count } }

func randomInput(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) })
}

/// He et al. (2016), Table 6, and the widely used PyTorch port report 269,722 and 464,154
/// parameters for CIFAR ResNet-20 / -32 with a 10-class head (64 x 10 + 10 = 650 of them):
/// the feature extractors alone must have 269,072 and 463,504.
@Test func cifarResNetsHaveThePublishedParameterCounts() {
    var generator = SeededGenerator(seed: 0)
    #expect(parameterCount(CIFARResNet.resnet20(generator: &generator)) == 269_722 - 650)
    #expect(parameterCount(CIFARResNet.resnet32(generator: &generator)) == 464_154 - 650)
}

@Test func backbonesMapBatchesToFeatureVectorsAndEveryParameterGetsAGradient() {
    var generator = SeededGenerator(seed: 1)
    let cases: [(any Backbone, [Int])] = [
        (CIFARResNet.resnet20(generator: &generator), [2, 3, 32, 32]),
        (CIFARResNet.resnet20(shortcut: .b, generator: &generator), [2, 3, 32, 32]),
        (ConvNet4(generator: &generator), [2, 1, 28, 28]),
        (MLPBackbone(inputs: 12, widths: [8, 5], generator: &generator), [3, 12]),
    ]
    for (backbone, shape) in cases {
        backbone.isTraining = true
        let features = backbone.features(of: Variable(randomInput(shape, seed: 7)))
        #expect(features.shape == [shape[0], backbone.featureDimension])
        features.squared().sum().backward()
        for parameter in backbone.parameters {
            let gradient = parameter.grad
            #expect(gradient != nil && gradient!.shape == parameter.value.shape)
            #expect(gradient?.scalars.contains { $0 != 0 } == true)
        }
    }
}

@Test func savedWeightsReloadIntoAFreshBackboneWithIdenticalFeatures() throws {
    var first = SeededGenerator(seed: 2), second = SeededGenerator(seed: 3)
    let trained = CIFARResNet.resnet20(generator: &first)
    // Move the running statistics away from their initial values.
    trained.isTraining = true
    _ = trained.features(of: Variable(randomInput([4, 3, 32, 32], seed: 9)))
    let fresh = CIFARResNet.resnet20(generator: &second)
    let input = randomInput([2, 3, 32, 32], seed: 11)
    #expect(fresh.evaluateFeatures(of: input) != trained.evaluateFeatures(of: input))
    try fresh.loadStateDictionary(trained.stateDictionary())
    #expect(fresh.evaluateFeatures(of: input) == trained.evaluateFeatures(of: input))
}

@Test func evaluationModeUsesRunningStatisticsSoABatchOfOneIsWellDefined() {
    var generator = SeededGenerator(seed: 4)
    let network = ConvNet4(generator: &generator)
    let batch = randomInput([3, 1, 28, 28], seed: 5)
    let together = network.evaluateFeatures(of: batch)
    let alone = network.evaluateFeatures(of: batch.rows(1..<2))
    let d = network.featureDimension
    for k in 0..<d { #expect(abs(together.scalars[d + k] - alone.scalars[k]) <= 1e-5 * max(1, abs(alone.scalars[k]))) }
}

/// A batch larger than `evaluationChunk` goes through the network in chunks: the features
/// are those of the whole batch at once, bit for bit, in order.
@Test func chunkedEvaluationGivesTheSameFeaturesAsOneBatch() {
    var generator = SeededGenerator(seed: 6)
    let network = ConvNet4(hiddenChannels: 8, generator: &generator)
    let batch = randomInput([evaluationChunk * 2 + 5, 1, 28, 28], seed: 7)
    let chunked = network.evaluateFeatures(of: batch)
    network.isTraining = false
    let whole = withoutGradient { network.features(of: Variable(batch)).value }
    #expect(chunked.shape == whole.shape)
    #expect(chunked.scalars == whole.scalars)
}
