import CLTensor

/// `joint`: the upper bound, and deliberately not a continual learner. It keeps the
/// sample indices of every task seen so far (never pixels: `TaskData` refers to the
/// dataset) and, at each task, trains on the union of all of them with cross-entropy over
/// all seen classes. With `reinit: true` (default) the network is re-initialised from the
/// same seed before each task, so the model after task t is exactly "trained jointly on
/// tasks 0...t"; `reinit: false` continues from the previous weights (cheaper, still sees
/// all data).
///
/// Input standardisation is fitted on the training set of the first training run after
/// each (re-)initialisation: with `reinit` that is the union of the tasks so far.
public struct Joint: Learner, UncertaintyEstimating {
    public static let name = "joint"
    public static let summary =
        "Joint-training upper bound (not continual): trains on the union of all tasks seen so far."
    static let reinit = Hyperparameter<Bool>(
        "reinit", default: true,
        help: "re-initialise the network (same seed) before training on the union at each task; false continues "
            + "from the previous weights.")
    public static let hyperparameters = [reinit.spec]
    public static var supportedBackbones: [String]? { trainableBackboneKinds }

    private var network: SupervisedClassifier
    private let backboneConfig: BackboneConfig
    private let sampleShape: [Int]
    private let reinitialise: Bool
    private let seed: UInt64
    let loop: TrainingLoop
    let curves = TrainingCurves()
    let context: LearnerContext
    /// Every task seen so far (indices into the dataset, labels).
    @Saved private(set) var seenTasks: [TaskData.Record] = []
    @Saved private var headGenerator: SeededGenerator
    @Saved private var generator: SeededGenerator

    public init(config: LearnerConfig, context: LearnerContext) throws {
        seed = context.seed
        backboneConfig = config.backbone
        sampleShape = context.sampleShape
        reinitialise = config[Self.reinit]
        (network, headGenerator, generator, _) = try SupervisedClassifier.seeded(
            config.backbone, sampleShape: context.sampleShape, seed: context.seed)
        loop = TrainingLoop(config: config.training, context: context)
        self.context = context
    }

    public mutating func learn(_ task: TaskData) throws {
        seenTasks.append(task.record)
        if reinitialise && seenTasks.count > 1 {
            var trainingGenerator: SeededGenerator
            (network, headGenerator, trainingGenerator, _) = try SupervisedClassifier.seeded(
                backboneConfig, sampleShape: sampleShape, seed: seed)
            // A distinct batch order per task, still fixed by the seed.
            for _ in 1..<seenTasks.count { _ = trainingGenerator.split() }
            generator = trainingGenerator
        }
        try network.train(
            on: TrainingSet(seenTasks.map { TaskData($0, split: task.split) }), task: task, loop: loop, curves: curves,
            headGenerator: &headGenerator, generator: &generator)
        context.note(
            "joint",
            "upper bound, not continual: trained on the union of tasks 0...\(task.index)"
                + (reinitialise ? " from a fresh initialisation" : ""))
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction { network.predict(batch) }
}
