import CLTensor

/// A trainable network of the protocol's `backbone:` block together with its input
/// standardisation: what learners train, and (frozen) the `FeatureExtractor` that NMC
/// and TEEN average. A class because its parameters are shared `Variable`s that
/// optimisers update in place.
public final class TrainableBackbone: FeatureExtractor, TrainingModeSwitchable {
    /// The network (MLP, Conv-4, CIFAR ResNet).
    public let network: any Backbone
    /// Fitted on the first training set (see `InputNormalization`), then fixed.
    public var normalization: InputNormalization
    /// The configuration it was built from (recorded, and part of cache keys).
    public let config: BackboneConfig
    /// Shape of one input sample (to build a copy).
    public let sampleShape: [Int]

    public init(network: any Backbone, normalization: InputNormalization, config: BackboneConfig, sampleShape: [Int]) {
        self.network = network
        self.normalization = normalization
        self.config = config
        self.sampleShape = sampleShape
    }

    public var featureDimension: Int { network.featureDimension }

    /// Training or evaluation mode (batch-norm statistics).
    public var isTraining: Bool {
        get { network.isTraining }
        set { network.isTraining = newValue }
    }

    /// Differentiable features of a raw batch (pixels in [0, 1]) in the current mode.
    public func trainingFeatures(of batch: Tensor) -> Variable {
        network.features(of: Variable(normalization.apply(batch)))
    }

    /// Evaluation-mode features without gradients (the test transform: no augmentation).
    public func features(of batch: Tensor) -> Tensor {
        network.evaluateFeatures(of: normalization.apply(batch))
    }

    /// Weights (parameters and batch-norm statistics) plus the normalisation, by name.
    public func stateDictionary() -> [String: Tensor] {
        var state = network.stateDictionary()
        state["input_normalization.mean"] = Tensor(shape: [normalization.mean.count], scalars: normalization.mean)
        state["input_normalization.std"] = Tensor(
            shape: [normalization.standardDeviation.count],
            scalars: normalization.standardDeviation)
        return state
    }

    /// Restores what `stateDictionary()` returned.
    public func loadStateDictionary(_ state: [String: Tensor]) throws {
        var weights = state
        guard let mean = weights.removeValue(forKey: "input_normalization.mean"),
            let deviation = weights.removeValue(forKey: "input_normalization.std")
        else {
            throw StateError.missing(name: "input_normalization.mean")
        }
        try network.loadStateDictionary(weights)
        normalization = InputNormalization(mean: mean.scalars, standardDeviation: deviation.scalars)
    }
}

extension TrainableBackbone {
    /// A frozen copy of this backbone as it is now (weights, batch-norm statistics and
    /// input normalisation), in evaluation mode, sharing no variables with it: the teacher
    /// of distillation losses (PRD, NAPA-VQ), which must not move while the student trains.
    /// Its features carry no gradient (`features(of:)`, or `trainingFeatures` under
    /// `withoutGradient`).
    public func frozenCopy() throws -> TrainableBackbone {
        var unused = SeededGenerator(seed: 0)
        let copy = try BackboneFactory.makeTrainableBackbone(config, sampleShape: sampleShape, generator: &unused)
        try copy.loadStateDictionary(stateDictionary())
        copy.isTraining = false
        return copy
    }
}

extension TrainableBackbone: NetworkPart {
    /// Weights, batch-norm statistics and the input normalisation (`stateDictionary()`).
    public var weights: [String: Tensor] { stateDictionary() }

    /// Restores `weights`, in evaluation mode, as training leaves it.
    public func load(weights: [String: Tensor]) throws {
        try loadStateDictionary(weights)
        isTraining = false
    }
}
