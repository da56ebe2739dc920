import CLTensor

/// `ewc`: online Elastic Weight Consolidation (Kirkpatrick et al., PNAS 2017, in the online
/// form of Schwarz et al., "Progress & Compress", ICML 2018), as Mammoth's `models/ewc_on.py`
/// (aimagelab/mammoth).
///
/// One backbone and a growing linear head trained task by task with cross-entropy over the
/// classes seen so far plus the quadratic penalty λ Σ_k F_k (θ_k − θ*_k)² (`EWCPenalty`),
/// where θ* are the parameters at the end of the previous task and F the running diagonal
/// Fisher, F ← γ F + F_t, with F_t estimated after each task from per-sample gradients of the
/// log-likelihood on that task's training data (`DiagonalFisher`: Mammoth's
/// p(y|x)-weighted empirical Fisher). Defaults are Mammoth's `best_args` for seq-mnist:
/// e_lambda 90, gamma 1.0.
///
/// Where this differs from Mammoth:
/// - the penalty is part of the loss (Mammoth writes its gradient 2λF(θ − θ*) into the
///   gradients before backward): the same update, and the `train_ewc_penalty` curve shows it;
/// - the head grows, so a head row added after a task has no Fisher and no anchor (F = 0);
///   Mammoth's head has every class from the start, and its untrained rows get a Fisher too;
/// - the Fisher uses unaugmented inputs in evaluation mode and divides by n (see `DiagonalFisher`);
/// - the optimiser and epochs are the protocol's `training:` block, a fresh optimiser per task.
///
/// With `lambda: 0` it is `finetune` step for step (tested). Cost: the penalty adds one
/// elementwise pass over the parameters per step; the Fisher one pass at batch size one per task.
public struct ElasticWeightConsolidation: Learner, UncertaintyEstimating {
    public static let name = "ewc"
    public static let summary =
        "Online EWC (Schwarz et al. 2018, as Mammoth's ewc_on): cross-entropy plus a diagonal-Fisher "
        + "quadratic penalty towards the previous task's weights."
    static let lambda = Hyperparameter<Double>(
        "lambda", default: 90, .atLeast(0),
        help: "penalty weight λ in λ Σ F (θ − θ*)² (Mammoth's e_lambda; seq-mnist: 90); 0 is fine-tuning.")
    static let gamma = Hyperparameter<Double>(
        "gamma", default: 1, .within(0...1),
        help: "decay γ of the running Fisher F ← γ F + F_t (Mammoth's gamma; 1 sums the tasks' Fishers).")
    public static let hyperparameters = [lambda.spec, gamma.spec]
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    let network: SupervisedClassifier
    let consolidation = EWCPenalty()
    let loop: TrainingLoop
    let curves = TrainingCurves()
    let penaltyWeight: Float
    let decay: Float
    @Saved private var generator: SeededGenerator
    @Saved private var headGenerator: SeededGenerator

    /// The same initialisation and generator streams as `finetune`.
    public init(config: LearnerConfig, context: LearnerContext) throws {
        (network, headGenerator, generator, _) = try SupervisedClassifier.seeded(
            config.backbone, sampleShape: context.sampleShape, seed: context.seed)
        loop = TrainingLoop(config: config.training, context: context)
        penaltyWeight = Float(config[Self.lambda])
        decay = Float(config[Self.gamma])
    }

    public mutating func learn(_ task: TaskData) throws {
        let data = TrainingSet(task)
        let backbone = network.backbone, head = network.head
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        head.grow(to: task.seenClassCount, generator: &headGenerator)
        let parameters = backbone.network.parameters + head.parameters
        let crossEntropy = CrossEntropyStep(backbone: backbone, head: head, labelSmoothing: loop.config.labelSmoothing)
        let lambda = penaltyWeight
        let terms = consolidation.terms(for: parameters)
        try loop.run(
            on: data, task: task.index, parameters: [ParameterSet("network", parameters)],
            modules: [backbone], curves: curves, generator: &generator
        ) { batch in
            let loss = crossEntropy.loss(batch)
            guard lambda != 0, !terms.isEmpty else { return loss }
            let penalty = terms.penalty(lambda: lambda)
            batch.record("ewc_penalty", Double(penalty.value.scalars[0]))
            return loss + penalty
        }
        let fisher = DiagonalFisher.estimate(backbone: backbone, head: head, parameters: parameters, data: data)
        consolidation.consolidate(taskFisher: fisher, parameters: parameters, gamma: decay)
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
