import CLData
import CLTensor
import Foundation
import Testing
@testable import CLLearners

/// The CIFAR ResNet-18 (`ResNet18`) against PyTorch's model of PRD's `models/resnet.py`.
struct ResNet18Tests {
    /// PRD's `resnet18(nf=..)` without a classifier, counted with PyTorch
    /// (`sum(p.numel() for p in net.parameters())`): 11,168,832 for nf = 64 on RGB (the
    /// widely quoted 11,173,962 of a CIFAR-10 ResNet-18 is this plus a 512 x 10 + 10 head),
    /// 1,093,140 for the reduced nf = 20, 11,167,680 for nf = 64 on grey images.
    @Test func parameterCountsEqualPyTorchs() {
        var generator = SeededGenerator(seed: 0)
        #expect(parameterCount(ResNet18(width: 64, generator: &generator)) == 11_168_832)
        #expect(parameterCount(ResNet18(width: 20, generator: &generator)) == 1_093_140)
        #expect(parameterCount(ResNet18(width: 64, inputChannels: 1, generator: &generator)) == 11_167_680)
    }

    /// Features are 8·nf wide, one row per image, after the four stages have reduced a
    /// 32x32 input to 4x4 (three stride-2 stages, no max-pool).
    @Test func featuresAreEightTimesTheWidthPerImage() {
        var generator = SeededGenerator(seed: 1)
        let full = ResNet18(generator: &generator)
        #expect(full.featureDimension == 512)
        #expect(full.evaluateFeatures(of: randomInput([1, 3, 32, 32], seed: 2)).shape == [1, 512])
        let reduced = ResNet18(width: 20, generator: &generator)
        #expect(reduced.featureDimension == 160)
        let small = ResNet18(width: 3, inputChannels: 1, generator: &generator)
        small.isTraining = true
        let features = small.features(of: Variable(randomInput([2, 1, 32, 32], seed: 3)))
        #expect(features.shape == [2, 24])
        #expect(small.stages.map { $0.count } == [2, 2, 2, 2])
        #expect(small.stages.map { $0[0].outputs } == [3, 6, 12, 24])
    }

    /// The names and order of the state dictionary are PyTorch's for PRD's model (without
    /// its `num_batches_tracked` counters), so saved weights load by name into the
    /// reference code. The fixture is `list(net.state_dict())` of `resnet18(nf=2, in_channel=1)`.
    @Test func stateDictionaryNamesArePyTorchs() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/resnet18-state-dict-keys.txt").path
        let expected = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        var generator = SeededGenerator(seed: 4)
        let network = ResNet18(width: 2, inputChannels: 1, generator: &generator)
        #expect(expected.count == 100)
        #expect(network.namedVariables.map(\.name) == expected)
    }

    /// With the weights of the authors' own model (PRD's models/resnet.py at nf = 2, batch
    /// norm moved away from its initial state; `Benchmarks/resnet18_torch_reference.py`),
    /// loaded by name, the features equal PyTorch's (float64) in evaluation mode and, with
    /// batch statistics, in training mode.
    @Test func featuresEqualTheAuthorsModelWithTheSameWeights() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let state = try TorchStateDictionary.read(path: fixtures.appendingPathComponent("resnet18-nf2.pth").path)
            .filter { !$0.key.hasSuffix("num_batches_tracked") }
        let reference = try NumpyArray.readArchive(path: fixtures.appendingPathComponent("resnet18-nf2.npz").path)
        let images = try #require(reference["images"])
        var generator = SeededGenerator(seed: 12)
        let network = ResNet18(width: 2, inputChannels: 3, generator: &generator)
        try network.loadStateDictionary(state)
        let input = Tensor(shape: images.shape, scalars: images.floats())
        let evaluation = network.evaluateFeatures(of: input)
        network.isTraining = true
        let training = withoutGradient { network.features(of: Variable(input)).value }
        for (name, features) in [("evaluation", evaluation), ("training", training)] {
            let expected = try #require(reference[name])
            #expect(features.shape == expected.shape)
            let want = expected.floats()
            let worst = zip(features.scalars, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
            #expect(worst <= 1e-5, "\(name) mode: worst relative difference \(worst)")
        }
    }

    /// The tape's gradients through every piece (stem, identity and projection shortcuts,
    /// batch norm, relu, pooling) match central differences, with respect to the input and
    /// to a selection of parameters of a tiny instance.
    ///
    /// In evaluation mode, with running statistics moved away from (0, 1) by a training
    /// pass first: the tape then records the unfused ops and the differences run through
    /// the fused inference kernels, so the two paths are checked against each other too.
    /// In training mode a perturbation moves the batch statistics and so every unit of the
    /// batch, which sends many units across relu's kink in Float32 (median errors of a few
    /// per cent at any step); batch norm's training-mode gradient is checked alone in
    /// CLTensorTests, and the test below that every parameter gets a gradient runs here.
    @Test func gradientsMatchFiniteDifferences() {
        var generator = SeededGenerator(seed: 5)
        let network = ResNet18(width: 4, inputChannels: 1, generator: &generator)
        let input = randomInput([4, 1, 16, 16], seed: 6)
        network.isTraining = true
        for _ in 0..<3 { _ = withoutGradient { network.features(of: Variable(randomInput([4, 1, 16, 16], seed: 9))) } }
        network.isTraining = false
        let weights = Variable(randomInput([4, network.featureDimension], seed: 7))
        expectGradientsMatchFiniteDifferences([input], step: 1e-4) { v in
            (network.features(of: v[0]) * weights).sum()
        }
        let blocks = network.stages.flatMap { $0 }
        let selected = [
            network.stem.weight, network.stemNorm.scale, blocks[1].convB.weight,
            blocks[2].projection!.conv.weight, blocks[2].projection!.bn.shift,
            blocks[4].convA.weight, blocks[7].bnB.scale,
        ]
        expectGradientsMatchFiniteDifferences(parameters: selected, step: 1e-4) {
            (network.features(of: Variable(input)) * weights).sum()
        }
    }

    /// In training mode (batch statistics) every parameter receives a nonzero gradient of
    /// the right shape: no piece is left out of the tape.
    @Test func everyParameterGetsAGradientInTrainingMode() {
        var generator = SeededGenerator(seed: 10)
        let network = ResNet18(width: 2, inputChannels: 3, generator: &generator)
        network.isTraining = true
        let features = network.features(of: Variable(randomInput([2, 3, 32, 32], seed: 11)))
        features.squared().sum().backward()
        #expect(network.parameters.count == 60)  // PyTorch: len(list(resnet18(nf=2).parameters()))
        for parameter in network.parameters {
            #expect(parameter.grad?.shape == parameter.value.shape)
            #expect(parameter.grad?.scalars.contains { $0 != 0 } == true)
        }
    }
}

/// The protocol's `backbone: { kind: resnet18, width: nf }` builds this network; an
/// absent width is the full nf = 64.
@Test func theFactoryBuildsResNet18WithTheProtocolsWidth() throws {
    var generator = SeededGenerator(seed: 8)
    let reduced = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "resnet18", width: 20),
        sampleShape: [3, 32, 32], generator: &generator)
    #expect(reduced.featureDimension == 160)
    let full = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "resnet18"),
        sampleShape: [1, 28, 28], generator: &generator)
    #expect(full.featureDimension == 512)
    #expect(throws: HyperparameterError.self) {
        _ = try BackboneFactory.makeTrainableBackbone(
            BackboneConfig(kind: "resnet18"), sampleShape: [784],
            generator: &generator)
    }
    #expect(BackboneFactory.trainable.contains("resnet18"))
}
