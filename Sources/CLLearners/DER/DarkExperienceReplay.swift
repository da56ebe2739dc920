import CLTensor

/// `der`: DER++, Dark Experience Replay++ (Buzzega et al., "Dark Experience for General
/// Continual Learning: a Strong, Simple Baseline", NeurIPS 2020), as Mammoth's
/// `models/derpp.py` (aimagelab/mammoth).
///
/// One backbone and a growing linear head, trained task by task on the shared
/// `TrainingLoop`, with a reservoir `ReplayBuffer` of `memory` samples (dataset indices) and,
/// beside each, the logits the network gave it when it was stored (`StoredLogits`, part of
/// the state). Each step minimises
///
///     CE(f(x), y) + alpha · MSE(f(x'), z') + beta · CE(f(x''), y'')
///
/// where (x', z') and (x'', y'') are two independent draws of `replay_batch_size` samples from
/// the buffer, z' their stored logits. After each step the batch is offered to the buffer
/// with the logits of that step's forward pass (training mode, before the update), as
/// Mammoth's `add_data(..., logits=outputs.data)`; like Mammoth, every epoch offers again.
/// Defaults are Mammoth's `best_args` for seq-mnist at buffer 200: alpha 0.2, beta 1.0,
/// minibatch 128.
///
/// Where this differs from Mammoth:
/// - the head grows (Mammoth's has every class of the dataset from the start), so a stored
///   row is as wide as the head was when it was stored: the MSE covers those columns only,
///   averaged over the covered entries (Mammoth's `F.mse_loss` averages n × all classes);
/// - replayed samples are not augmented (Mammoth applies the training transform to them);
///   the current batch gets the protocol's augmentation;
/// - the optimiser and epochs are the protocol's `training:` block, a fresh optimiser per task.
///
/// With alpha = beta = 0 (or `memory: 0`) it is `finetune` step for step (tested).
/// Cost per step: two extra forward/backward passes of `replay_batch_size` samples.
public struct DarkExperienceReplay: Learner, UncertaintyEstimating {
    public static let name = "der"
    public static let summary =
        "DER++ (Buzzega et al. 2020, as Mammoth's derpp): replay with the logits stored beside a reservoir "
        + "memory of dataset indices, plus replayed labels."
    static let memory = Hyperparameter<Int>(
        "memory", default: 200, .within(0...1 << 24),
        help: "replay memory M: samples kept (dataset indices and their logits); 0 is fine-tuning.")
    static let alpha = Hyperparameter<Double>(
        "alpha", default: 0.2, .atLeast(0),
        help: "weight of the MSE between the logits on a replay batch and the stored ones (Mammoth, seq-mnist: 0.2).")
    static let beta = Hyperparameter<Double>(
        "beta", default: 1, .atLeast(0),
        help: "weight of the cross-entropy on a second replay batch (Mammoth, seq-mnist: 1.0).")
    static let replayBatchSize = Hyperparameter<Int>(
        "replay_batch_size", default: 128, .within(1...1 << 20),
        help: "samples in each of the two replay batches (Mammoth's minibatch_size; seq-mnist: 128).")
    public static let hyperparameters = [memory.spec, alpha.spec, beta.spec, replayBatchSize.spec]
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    let network: SupervisedClassifier
    let buffer: ReplayBuffer
    let storedLogits = StoredLogits()
    let loop: TrainingLoop
    let curves = TrainingCurves()
    let weights: (alpha: Float, beta: Float)
    let replayCount: Int
    @Saved private var generator: SeededGenerator
    @Saved private var headGenerator: SeededGenerator

    /// The same initialisation and training streams as `finetune`; the buffer draws from a fourth.
    public init(config: LearnerConfig, context: LearnerContext) throws {
        var rest: SeededGenerator
        (network, headGenerator, generator, rest) = try SupervisedClassifier.seeded(
            config.backbone, sampleShape: context.sampleShape, seed: context.seed)
        buffer = ReplayBuffer(capacity: config[Self.memory], generator: rest.split())
        loop = TrainingLoop(config: config.training, context: context)
        weights = (Float(config[Self.alpha]), Float(config[Self.beta]))
        replayCount = config[Self.replayBatchSize]
    }

    /// The logits of the last step's batch, handed from the loss to the buffer update.
    private final class LastLogits { var value = Tensor(shape: [0, 0]) }

    public mutating func learn(_ task: TaskData) throws {
        let data = TrainingSet(task)
        let backbone = network.backbone, head = network.head
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        head.grow(to: task.seenClassCount, generator: &headGenerator)
        let smoothing = Float(loop.config.labelSmoothing)
        let (buffer, stored, weights, replayCount) = (buffer, storedLogits, weights, replayCount)
        let last = LastLogits()
        try loop.run(
            on: data, task: task.index,
            parameters: [ParameterSet("network", backbone.network.parameters + head.parameters)],
            modules: [backbone], curves: curves, generator: &generator,
            afterStep: { batch in
                let columns = last.value.shape[1]
                for (row, position) in batch.positions.enumerated() {
                    guard let slot = buffer.offer(task, position: position) else { continue }
                    stored.store(Array(last.value.scalars[(row * columns)..<((row + 1) * columns)]), at: slot)
                }
            }
        ) { batch in
            let logits = head.logits(backbone.trainingFeatures(of: batch.inputs))
            last.value = logits.value
            batch.countCorrect(logits: logits.value, labels: batch.viewLabels[0])
            var loss = Loss.crossEntropy(logits: logits, labels: batch.viewLabels[0], labelSmoothing: smoothing)
            if weights.alpha != 0 {
                let slots = buffer.sampleSlots(replayCount)
                if !slots.isEmpty {
                    let replayed = head.logits(
                        backbone.trainingFeatures(of: buffer.inputs(ofSlots: slots, from: task.split)))
                    let mse = Self.maskedMeanSquaredError(replayed, slots.map { stored.logits(at: $0) })
                    batch.record("logit_mse", Double(mse.value.scalars[0]))
                    loss = loss + mse * weights.alpha
                }
            }
            if weights.beta != 0 {
                let slots = buffer.sampleSlots(replayCount)
                if !slots.isEmpty {
                    let replayed = head.logits(
                        backbone.trainingFeatures(of: buffer.inputs(ofSlots: slots, from: task.split)))
                    let replayLoss = Loss.crossEntropy(logits: replayed, labels: slots.map { buffer.entries[$0].label })
                    batch.record("replay_ce", Double(replayLoss.value.scalars[0]))
                    loss = loss + replayLoss * weights.beta
                }
            }
            return loss
        }
    }

    /// Mean over the covered entries of (logits − target)², each target row covering the first
    /// `row.count` columns (the head's width when it was stored).
    static func maskedMeanSquaredError(_ logits: Variable, _ targets: [[Float]]) -> Variable {
        let columns = logits.shape[1]
        var target = [Float](repeating: 0, count: targets.count * columns)
        var mask = [Float](repeating: 0, count: targets.count * columns)
        var covered = 0
        for (row, values) in targets.enumerated() {
            for (column, value) in values.prefix(columns).enumerated() {
                target[row * columns + column] = value
                mask[row * columns + column] = 1
                covered += 1
            }
        }
        let shape = [targets.count, columns]
        let difference = logits - Variable(Tensor(shape: shape, scalars: target))
        return (difference.squared() * Variable(Tensor(shape: shape, scalars: mask))).sum() / Float(max(covered, 1))
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
