import CLTensor

/// `psenn`: the deterministic prototype-based self-explainable network of Li et al. 2018
/// ("Deep Learning for Case-Based Reasoning through Prototypes"; code
/// OscarcarLi/PrototypeDL), used continually: an autoencoder, prototypes in its latent
/// space that the decoder turns into pictures, class logits linear in the squared
/// distances to the prototypes, trained with CE + λ_rec · reconstruction + λ_1 · R_1 +
/// λ_2 · R_2 (`PrototypeObjective`). New classes get their own prototypes each task; old
/// prototypes are frozen (`anchor: freeze`) or not (`anchor: none`).
///
/// Departures from Li et al., each for a reason given where it is made: MLP autoencoder
/// instead of convolutions (`PrototypeAutoencoder`), prototypes owned by classes and
/// initialised on their encodings (`PrototypeLearning`), class-connection initialisation
/// of the last layer (`PrototypeOutputLayer`), R_1 over the current task's prototypes
/// only (`PrototypeObjective`), and no elastic-deformation augmentation (CPU budget).
///
/// It is the base `prob-psenn` is compared against; its predictive distribution is the
/// softmax of its logits (`UncertaintyEstimating` default).
public struct PSENN: Learner, UncertaintyEstimating {
    public static let name = "psenn"
    public static let summary =
        "Prototype network of Li et al. 2018 (autoencoder, prototypes decoded to images, "
        + "logits linear in squared distances), prototypes added per class each task."
    static let anchor = Hyperparameter<PrototypeLearning.Anchor>(
        "anchor", default: .freeze, choices: [.freeze, .none],
        help: "earlier tasks' prototypes: frozen, or trained further (ablation).")
    public static let hyperparameters = PrototypeLearning.sharedHyperparameters + [anchor.spec]
    public static var supportedBackbones: [String]? { ["mlp"] }

    let learning: PrototypeLearning

    public init(config: LearnerConfig, context: LearnerContext) throws {
        let settings = PrototypeLearning.settings(config, anchor: config[Self.anchor], probabilistic: false)
        learning = try PrototypeLearning(config: config, context: context, settings: settings)
    }

    public mutating func learn(_ task: TaskData) throws { try learning.learn(task) }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { learning.logitsWithMeans(batch) }
}
