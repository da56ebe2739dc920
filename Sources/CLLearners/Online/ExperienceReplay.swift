import CLData
import CLTensor

/// `er`: experience replay, the baseline of every online continual-learning table
/// (Chaudhry et al. 2019, "On Tiny Episodic Memories in Continual Learning"; Mammoth's
/// `er`). One backbone and a growing linear head; each incoming batch is trained together
/// with a batch of `replay_batch_size` samples drawn from a `ReplayBuffer` of `memory`
/// samples, in one cross-entropy step over both, and then offered to the buffer
/// (reservoir sampling by default, `sampling: class-balanced` for CBRS). `memory: 0` is
/// online fine-tuning, the lower bound.
///
/// Steps are the shared `TrainingStep` with the `training:` block's optimiser, rate and
/// weight decay, at a constant rate (an online stream has no epochs to schedule over). The
/// optimiser is built anew whenever the head grows, that is when a batch brings classes not
/// seen before (at a task's start when boundaries are given, at its first batch when they
/// are hidden), so a resumed run rebuilds it exactly where the uninterrupted one did. Input
/// standardisation is fitted on the first incoming batch: nothing later leaks into it.
///
/// On a stream that is not online, each task is one pass of batches of `training.batch_size`
/// in the order an online stream would deliver them (boundaries given).
public struct ExperienceReplay: OnlineLearner {
    public static let name = "er"
    public static let summary =
        "Experience replay (Chaudhry et al. 2019): each incoming batch trained with a replay batch from a "
        + "reservoir-sampled memory of dataset indices."
    static let memory = Hyperparameter<Int>(
        "memory", default: 200, .within(0...1 << 24),
        .custom("training.schedule constant", key: "training.schedule") { _, config in
            config.training.schedule == "constant" && config.training.warmupEpochs == 0
                ? nil
                : "er steps once per incoming batch, with no epochs to schedule over: set schedule: constant "
                    + "(and no warmup_epochs)"
        },
        .custom("training.steps unset", key: "training.steps") { _, config in
            guard let steps = config.training.steps else { return nil }
            return "er sees each sample once, one step per incoming batch; remove steps (\(steps))"
        },
        help: "replay memory M: samples kept (as dataset indices); 0 is online fine-tuning.")
    static let replayBatchSize = Hyperparameter<Int>(
        "replay_batch_size", default: 10, .within(1...1 << 20),
        help: "samples drawn from the memory for each incoming batch (LEARNERS.md: 10).")
    static let sampling = Hyperparameter<ReplayBuffer.Sampling>(
        "sampling", default: .reservoir,
        help: "what the full memory keeps: reservoir (uniform over the stream) or class-balanced (CBRS).")
    public static let hyperparameters = [memory.spec, replayBatchSize.spec, sampling.spec]
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    let network: SupervisedClassifier
    let buffer: ReplayBuffer
    let config: TrainingConfig
    let replayCount: Int
    let seed: UInt64
    @Saved private var headGenerator: SeededGenerator
    @Saved private var generator: SeededGenerator
    /// The optimiser and augmentation of the current head (derived: rebuilt when the head grows).
    private var step: TrainingStep?

    public init(config: LearnerConfig, context: LearnerContext) throws {
        var root = SeededGenerator(seed: context.seed)
        var initialization = root.split()
        network = try SupervisedClassifier(
            backbone: config.backbone, sampleShape: context.sampleShape, generator: &initialization)
        headGenerator = root.split()
        generator = root.split()
        buffer = ReplayBuffer(capacity: config[Self.memory], sampling: config[Self.sampling], generator: root.split())
        self.config = config.training
        replayCount = config[Self.replayBatchSize]
        seed = context.seed
    }

    public mutating func learn(_ task: TaskData) throws {
        try learnInOnePass(task, batchSize: config.batchSize, seed: seed)
    }

    public mutating func beginTask(_ boundary: TaskBoundary) throws {
        grow(to: boundary.seenClassCount)
    }

    public mutating func observe(_ batch: OnlineBatch) throws {
        guard batch.count > 0 else { return }
        if !network.backbone.normalization.isFitted {
            network.backbone.normalization.fit(TrainingSet(batch.samples))
        }
        grow(to: (batch.labels.max() ?? -1) + 1)
        var inputs = batch.inputs, labels = batch.labels
        if let replay = buffer.sample(replayCount, alongside: batch) {
            inputs = Tensor(
                shape: [labels.count + replay.labels.count] + Array(inputs.shape.dropFirst()),
                scalars: inputs.scalars + replay.inputs.scalars)
            labels += replay.labels
        }
        var current =
            step
            ?? TrainingStep(
                config: config,
                parameters: [ParameterSet("network", network.backbone.network.parameters + network.head.parameters)],
                augmentation: generator.split())
        network.backbone.isTraining = true
        defer { network.backbone.isTraining = false }
        let crossEntropy = CrossEntropyStep(
            backbone: network.backbone, head: network.head, labelSmoothing: config.labelSmoothing)
        try current.take(inputs, labels: labels, task: batch.source.index, loss: crossEntropy.loss)
        step = current
        buffer.offer(batch)
    }

    /// Grows the head to `classes` and drops the optimiser of the old one.
    private mutating func grow(to classes: Int) {
        guard classes > network.head.classCount else { return }
        network.head.grow(to: classes, generator: &headGenerator)
        step = nil
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
