import CLTensor

/// `lwf`: Learning without Forgetting (Li & Hoiem, "Learning without Forgetting", ECCV 2016,
/// TPAMI 2018), class-incremental as PyCIL implements it (G-U-N/PyCIL, `models/lwf.py`).
///
/// One backbone and a growing linear head. At the start of each task after the first, the
/// network as the previous task left it (backbone and head over the K old classes) is taken
/// as a frozen teacher. Each batch minimises
///
///     CE(logits[:, K...] , y − K) + distill_weight · KD_T(logits[:, ..<K], teacher logits)
///
/// where the cross-entropy covers the new task's classes only (`ce_classes: new`, PyCIL's
/// `loss_clf`; `seen` takes all classes seen so far, as `finetune` does) and KD_T is the
/// distillation of the teacher's softmax at temperature T on the old classes' logits, both on
/// the same (augmented) batch. Defaults are PyCIL's: distill_weight 3 (`lamda`), T = 2.
///
/// Where this differs from PyCIL's code:
/// - KD is written as KL(teacher ‖ student) averaged over the batch; PyCIL's `_KD_loss` is
///   the cross-entropy −Σ q log p / n. They differ by the teacher's entropy (a constant), so
///   the gradients are the same; only the recorded `train_distill` value differs. No T² factor,
///   as in PyCIL.
/// - the optimiser, schedule and epochs are the protocol's `training:` block (PyCIL hard-codes
///   SGD 0.1 with milestones and 250 epochs), and a fresh optimiser per task as PyCIL does.
/// - on a stream where a task brings no new class, or repeats an old one (labels below K), the
///   cross-entropy falls back to all seen classes (PyCIL assumes disjoint, contiguous tasks).
///
/// With `distill_weight: 0` and `ce_classes: seen` it is `finetune` step for step (tested).
public struct LearningWithoutForgetting: Learner, UncertaintyEstimating {
    public static let name = "lwf"
    public static let summary =
        "Learning without Forgetting (Li & Hoiem 2016, as PyCIL): cross-entropy on the new classes plus "
        + "distillation (T = 2) of the previous network's old-class outputs."

    /// Which classes the cross-entropy covers.
    public enum CrossEntropyClasses: String, HyperparameterChoice, Sendable {
        case new
        case seen
    }

    static let distillWeight = Hyperparameter<Double>(
        "distill_weight", default: 3, .atLeast(0),
        help: "weight of the distillation term (PyCIL's lamda = 3); 0 switches it off (no teacher is taken).")
    static let temperature = Hyperparameter<Double>(
        "temperature", default: 2, .greaterThan(0),
        help: "temperature T of the distillation softmax (PyCIL's T = 2).")
    static let crossEntropyClasses = Hyperparameter<CrossEntropyClasses>(
        "ce_classes", default: .new,
        help: "classes of the cross-entropy: new (the current task's, PyCIL) or seen (all so far, as finetune).")
    public static let hyperparameters = [distillWeight.spec, temperature.spec, crossEntropyClasses.spec]
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    let network: SupervisedClassifier
    let loop: TrainingLoop
    let curves = TrainingCurves()
    let weight: Float
    let distillTemperature: Float
    let classes: CrossEntropyClasses
    @Saved private var generator: SeededGenerator
    @Saved private var headGenerator: SeededGenerator

    /// The same initialisation and generator streams as `finetune`.
    public init(config: LearnerConfig, context: LearnerContext) throws {
        (network, headGenerator, generator, _) = try SupervisedClassifier.seeded(
            config.backbone, sampleShape: context.sampleShape, seed: context.seed)
        loop = TrainingLoop(config: config.training, context: context)
        weight = Float(config[Self.distillWeight])
        distillTemperature = Float(config[Self.temperature])
        classes = config[Self.crossEntropyClasses]
    }

    /// The previous task's network, frozen: derived when a task starts, never state.
    struct Teacher {
        let backbone: TrainableBackbone
        let weight: Tensor, bias: Tensor

        func logits(_ inputs: Tensor) -> Variable {
            withoutGradient {
                linear(Variable(backbone.features(of: inputs)), weight: Variable(weight), bias: Variable(bias))
            }
        }
    }

    public mutating func learn(_ task: TaskData) throws {
        let data = TrainingSet(task)
        let backbone = network.backbone, head = network.head
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        let known = head.classCount
        let teacher =
            weight != 0 && known > 0
            ? Teacher(backbone: try backbone.frozenCopy(), weight: head.weight.value, bias: head.bias.value) : nil
        head.grow(to: task.seenClassCount, generator: &headGenerator)
        let seen = head.classCount
        // PyCIL's slice of the new classes, where the task's labels allow it.
        let offset = classes == .new && known < seen && task.labels.allSatisfy { Int($0) >= known } ? known : 0
        let smoothing = Float(loop.config.labelSmoothing)
        let (weight, temperature) = (weight, distillTemperature)
        try loop.run(
            on: data, task: task.index,
            parameters: [ParameterSet("network", backbone.network.parameters + head.parameters)],
            modules: [backbone], curves: curves, generator: &generator
        ) { batch in
            let logits = head.logits(backbone.trainingFeatures(of: batch.inputs))
            let labels = batch.viewLabels[0]
            batch.countCorrect(logits: logits.value, labels: labels)
            var loss =
                offset == 0
                ? Loss.crossEntropy(logits: logits, labels: labels, labelSmoothing: smoothing)
                : Loss.crossEntropy(
                    logits: logits.slice(axis: 1, offset..<seen), labels: labels.map { $0 - offset },
                    labelSmoothing: smoothing)
            if let teacher {
                let distill = Loss.klDivergence(
                    targetLogits: teacher.logits(batch.inputs), logits: logits.slice(axis: 1, 0..<known),
                    temperature: temperature)
                batch.record("distill", Double(distill.value.scalars[0]))
                loss = loss + distill * weight
            }
            return loss
        }
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
