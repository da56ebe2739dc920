import CLTensor

/// A trainable backbone with a growing linear head: the network of the `finetune` and
/// `joint` baselines, and how it scores test batches (logits over the classes learned so
/// far, evaluation-mode features).
final class SupervisedClassifier {
    let backbone: TrainableBackbone
    let head: LinearHead

    /// Initialises backbone then head from `generator` (in that order).
    init(backbone config: BackboneConfig, sampleShape: [Int], generator: inout SeededGenerator) throws {
        backbone = try BackboneFactory.makeTrainableBackbone(config, sampleShape: sampleShape, generator: &generator)
        head = LinearHead(featureDimension: backbone.featureDimension, generator: &generator)
    }

    /// Logits over the head's classes; before any class is learned, one column of zeros
    /// so that the runner's "before training" evaluation has something to take the argmax of.
    func predict(_ batch: Tensor) -> Prediction {
        guard head.classCount > 0 else { return Prediction(scores: Tensor(shape: [batch.shape[0], 1])) }
        let features = backbone.features(of: batch)
        return Prediction(scores: withoutGradient { head.logits(Variable(features)).value })
    }
}

/// The backbone kinds that can be trained (the baselines reject `identity`).
let trainableBackboneKinds = BackboneFactory.trainable
