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
public enum BackboneFactory {
    public static var available: [String] { ["identity"] }

    /// A feature extractor for `config` on samples of `sampleShape`; throws for kinds
    /// this build does not provide.
    public static func makeFeatureExtractor(_ config: BackboneConfig, sampleShape: [Int]) throws -> any FeatureExtractor {
        switch config.kind {
        case "identity":
            return IdentityBackbone(sampleShape: sampleShape)
        default:
            throw HyperparameterError(key: "backbone.kind", message: unavailableMessage(config.kind))
        }
    }

    /// The message for a backbone kind that is not (or not yet) available.
    public static func unavailableMessage(_ kind: String) -> String {
        if BackboneConfig.planned.contains(kind) {
            return "backbone '\(kind)' is not available in this version of cl-bench yet (available: \(available.joined(separator: ", ")))"
        }
        return "unknown backbone '\(kind)' (available: \(available.joined(separator: ", ")))"
    }
}
