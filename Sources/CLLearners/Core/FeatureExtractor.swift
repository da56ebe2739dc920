import CLData
import CLTensor

/// Maps a batch of inputs to feature vectors, without gradients: what training-free
/// learners (NMC, TEEN) and evaluation need of a backbone.
public protocol FeatureExtractor {
    /// Length of one feature vector.
    var featureDimension: Int { get }
    /// Features of `batch` ([n] + sample shape) as an [n, featureDimension] tensor.
    func features(of batch: Tensor) -> Tensor
}

/// The `identity` backbone: the pixels themselves, already scaled to [0, 1], flattened.
public struct IdentityBackbone: FeatureExtractor {
    public let featureDimension: Int

    public init(sampleShape: [Int]) {
        featureDimension = sampleShape.reduce(1, *)
    }

    public func features(of batch: Tensor) -> Tensor {
        batch.reshaped([batch.shape.first ?? 0, featureDimension])
    }
}

/// Builds the backbone a protocol names.
///
/// `identity` is the pixels themselves. `mlp` (hidden `widths`), `conv4` (Conv-4, 64
/// channels), `resnet20` / `resnet32` (CIFAR ResNets, option-A shortcuts, 64-d
/// features) and `resnet18` (the CIFAR ResNet-18 of PRD, NAPA-VQ and the online-CL papers,
/// `width` nf, 8·nf-d features) are trainable networks wrapped in a `TrainableBackbone`,
/// whose inputs are standardised per channel with statistics fitted on the first training set (see
/// `InputNormalization` for why). `efficientnet-lite0` is a frozen ImageNet-pretrained
/// network read from a PyTorch state_dict (`EfficientNetLite`).
public enum BackboneFactory {
    public static var available: [String] { ["identity"] + trainable + pretrained }
    /// The kinds that have parameters to train.
    public static let trainable = ["mlp", "conv4", "resnet20", "resnet32", "resnet18"]
    /// Frozen pretrained networks (`weights:`, `resolution:`).
    public static let pretrained = ["efficientnet-lite0"]
    /// Default input side of the pretrained kinds.
    public static let defaultResolution = 224

    /// A feature extractor for `config` on samples of `sampleShape`; throws for kinds
    /// this build does not provide. Trainable kinds start from a seeded initialisation
    /// (random features until a learner trains them).
    public static func makeFeatureExtractor(_ config: BackboneConfig, sampleShape: [Int], seed: UInt64 = 0) throws
        -> any FeatureExtractor
    {
        switch config.kind {
        case "identity":
            return IdentityBackbone(sampleShape: sampleShape)
        case "efficientnet-lite0":
            // `weights` must already be a file here: "imagenet" is resolved to one in the
            // data folders by the caller (`PretrainedWeights.locate`).
            guard let path = config.weights, path != "imagenet" else {
                throw HyperparameterError(
                    key: "backbone.weights",
                    message: "efficientnet-lite0 needs its weights file resolved (PretrainedWeights.locate)")
            }
            guard sampleShape.count == 3, sampleShape[0] == 3 || sampleShape[0] == 1 else {
                throw HyperparameterError(
                    key: "backbone.kind",
                    message:
                        "efficientnet-lite0 needs RGB or grey images [C, H, W], got samples of shape \(sampleShape)")
            }
            return try EfficientNetLite(
                stateDictionary: try TorchStateDictionary.read(path: path),
                resolution: config.resolution ?? defaultResolution, source: path)
        default:
            var generator = SeededGenerator(seed: seed)
            return try makeTrainableBackbone(config, sampleShape: sampleShape, generator: &generator)
        }
    }

    /// A freshly initialised trainable backbone (weights drawn from `generator`).
    public static func makeTrainableBackbone(
        _ config: BackboneConfig, sampleShape: [Int],
        generator: inout SeededGenerator
    ) throws -> TrainableBackbone {
        let isImage = sampleShape.count == 3
        let network: any Backbone
        switch config.kind {
        case "mlp":
            guard !config.widths.isEmpty, config.widths.allSatisfy({ $0 > 0 }) else {
                throw HyperparameterError(
                    key: "backbone.widths",
                    message: "mlp needs a list of positive hidden widths, for example [400, 400]")
            }
            network = MLPBackbone(inputs: sampleShape.reduce(1, *), widths: config.widths, generator: &generator)
        case "conv4":
            guard isImage, sampleShape[1] >= 16, sampleShape[1] == sampleShape[2] else {
                throw HyperparameterError(
                    key: "backbone.kind",
                    message: "conv4 needs square images of at least 16x16, got samples of shape \(sampleShape)")
            }
            network = ConvNet4(inputChannels: sampleShape[0], inputSize: sampleShape[1], generator: &generator)
        case "resnet20", "resnet32":
            guard isImage else {
                throw HyperparameterError(
                    key: "backbone.kind",
                    message: "\(config.kind) needs images [C, H, W], got samples of shape \(sampleShape)")
            }
            network = CIFARResNet(
                depth: config.kind == "resnet20" ? 20 : 32, inputChannels: sampleShape[0], generator: &generator)
        case "resnet18":
            guard isImage else {
                throw HyperparameterError(
                    key: "backbone.kind",
                    message: "resnet18 needs images [C, H, W], got samples of \(sampleShape)")
            }
            let width = config.width ?? ResNet18.defaultWidth
            guard width >= 1 else {
                throw HyperparameterError(key: "backbone.width", message: "must be a positive integer, got \(width)")
            }
            network = ResNet18(width: width, inputChannels: sampleShape[0], generator: &generator)
        default:
            throw HyperparameterError(key: "backbone.kind", message: unavailableMessage(config.kind))
        }
        return TrainableBackbone(
            network: network,
            normalization: InputNormalization(channels: InputNormalization.channelCount(of: sampleShape)),
            config: config, sampleShape: sampleShape)
    }

    /// The message for a backbone kind that is not (or not yet) available.
    public static func unavailableMessage(_ kind: String) -> String {
        if BackboneConfig.planned.contains(kind) {
            return
                "backbone '\(kind)' is not available in this version of cl-bench yet (available: "
                + "\(available.joined(separator: ", ")))"
        }
        return "unknown backbone '\(kind)' (available: \(available.joined(separator: ", ")))"
    }
}
