import CLTensor

/// `finetune`: the lower bound of continual learning. One backbone and a growing linear
/// head are trained on each task in turn with plain cross-entropy over all classes seen so
/// far, with no protection against forgetting (no replay, no regularisation, no frozen
/// parts): whatever earlier tasks needed is overwritten by the later ones. On few-shot
/// streams it fine-tunes the whole network on each session's few shots.
///
/// Input standardisation is fitted on the first task and kept (see `InputNormalization`).
/// Its predictive distribution is the softmax of its logits (`UncertaintyEstimating`).
public struct Finetune: Learner, UncertaintyEstimating {
    public static let name = "finetune"
    public static let summary =
        "Fine-tuning lower bound: one backbone and a growing linear head trained on each task in turn, "
        + "no protection against forgetting."
    /// None: everything it needs is in the protocol's `training:` and `backbone:` blocks.
    public static let hyperparameters: [HyperparameterSpec] = []
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    let network: SupervisedClassifier
    let loop: TrainingLoop
    let curves = TrainingCurves()
    @Saved private var generator: SeededGenerator
    @Saved private var headGenerator: SeededGenerator

    public init(config: LearnerConfig, context: LearnerContext) throws {
        (network, headGenerator, generator, _) = try SupervisedClassifier.seeded(
            config.backbone, sampleShape: context.sampleShape, seed: context.seed)
        loop = TrainingLoop(config: config.training, context: context)
    }

    public mutating func learn(_ task: TaskData) throws {
        try network.train(
            on: TrainingSet(task), task: task, loop: loop, curves: curves,
            headGenerator: &headGenerator, generator: &generator)
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
