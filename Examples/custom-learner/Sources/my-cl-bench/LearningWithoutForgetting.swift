import CLBench

/// Learning without Forgetting (Li & Hoiem, 2016): cross-entropy on the current task plus
/// distillation (T = 2) of the previous network's outputs on the old classes.
struct LearningWithoutForgetting: Learner, UncertaintyEstimating {
    static let name = "my-lwf"
    static let summary =
        "Learning without Forgetting (Li & Hoiem, 2016): cross-entropy plus distillation of old outputs."
    static let distillWeightKey = Hyperparameter<Double>(
        "distill_weight", default: 1, .atLeast(0),
        help: "weight of the distillation term")
    static let hyperparameters = [distillWeightKey.spec]
    let backbone: TrainableBackbone, head: LinearHead, loop: TrainingLoop, distillWeight: Float
    @Saved var generator: SeededGenerator  // its state: backbone and head are parts by their type

    init(config: LearnerConfig, context: LearnerContext) throws {
        var generator = SeededGenerator(seed: context.seed)
        backbone = try BackboneFactory.makeTrainableBackbone(
            config.backbone, sampleShape: context.sampleShape, generator: &generator)
        head = LinearHead(featureDimension: backbone.featureDimension, generator: &generator)
        loop = TrainingLoop(config: config.training, context: context)
        distillWeight = Float(config[Self.distillWeightKey])
        self.generator = generator
    }

    mutating func learn(_ task: TaskData) throws {
        let data = TrainingSet(task)
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        let teacher = try backbone.frozenCopy(), old = (head.weight.value, head.bias.value, head.classCount)
        head.grow(to: task.seenClassCount, generator: &generator)
        try loop.run(
            on: data, task: task.index,
            parameters: [ParameterSet("all", backbone.network.parameters + head.parameters)],
            modules: [backbone], generator: &generator
        ) { [backbone, head, distillWeight] batch in
            let logits = head.logits(backbone.trainingFeatures(of: batch.inputs))
            let loss = Loss.crossEntropy(logits: logits, labels: batch.labels)
            guard old.2 > 0 else { return loss }
            let targets = linear(
                Variable(teacher.features(of: batch.inputs)), weight: Variable(old.0), bias: Variable(old.1))
            let distill = Loss.klDivergence(
                targetLogits: targets, logits: logits.slice(axis: 1, 0..<old.2), temperature: 2)
            batch.record("distill", Double(distill.value.scalars[0]))
            return loss + distill * distillWeight
        }
    }

    func predict(_ batch: Tensor, task: Int?) -> Prediction {
        Prediction(scores: head.logits(Variable(backbone.features(of: batch))).value)
    }
}
