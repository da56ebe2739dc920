import CLTensor

/// One training step of the `hypernet` learner, set up for the speed comparison with
/// PyTorch (`cl-bench-benchmarks hypernet`, `Benchmarks/torch_hypernet.py`): the learner's
/// own model and per-batch objective (`Hypernet.StepLoss`) after `oldTasks` tasks, so the
/// step includes the regulariser over them, then backward and Adam over θ and the current
/// task's embeddings, old embeddings frozen. Nothing here is used by training.
public final class HypernetStepBenchmark {
    private let step: Hypernet.StepLoss
    private let optimizer: Optimizer
    private let frozen: [Variable]
    private let inputs: Tensor
    private let labels: [Int]

    /// - Parameters:
    ///   - given: the learner's hyperparameters (as in a protocol entry).
    ///   - widths: the target MLP's hidden widths; `taskCount` tasks of `classes` classes on
    ///     a permuted stream when `permuted`, else task-incremental with 2 classes per task.
    public init(
        given: [String: HyperparameterValue], widths: [Int], batchSize: Int, oldTasks: Int, permuted: Bool,
        taskCount: Int
    ) throws {
        var training = TrainingConfig()
        training.optimizer = "adam"
        training.learningRate = 5e-4
        training.weightDecay = 0
        let config = try LearnerConfig(
            specs: Hypernet.hyperparameters, given: given, training: training,
            backbone: BackboneConfig(kind: "mlp", widths: widths))
        let classes = permuted ? 10 : 2 * taskCount
        let context = LearnerContext(
            seed: 0, sampleShape: [784], totalClassCount: classes, taskCount: taskCount,
            streamKind: permuted ? "permuted" : "task-incremental")
        let learner = try Hypernet(config: config, context: context)
        let model = learner.model
        var random = SeededGenerator(seed: 1)
        for _ in 0..<oldTasks { model.addTask(generator: &random) }
        var regularizer = OutputRegularizer(beta: config[Hypernet.beta])
        let oldClasses = (0..<oldTasks).map { permuted ? Array(0..<10) : [2 * $0, 2 * $0 + 1] }
        regularizer.takeTargets(
            model.allWeights(),
            masks: oldClasses.enumerated().map {
                model.target.mask(keepingOutputs: learner.layout.head(task: $0.offset, classes: $0.element).columns)
            })
        model.addTask(generator: &random)
        let taskClasses = permuted ? Array(0..<10) : [2 * oldTasks, 2 * oldTasks + 1]
        let head = learner.layout.head(task: oldTasks, classes: taskClasses)
        step = Hypernet.StepLoss(model: model, regularizer: regularizer, head: head, task: oldTasks)
        optimizer = OptimizerFactory.optimizer(
            training,
            sets: [
                ParameterSet("hypernetwork", model.sharedParameters),
                ParameterSet("task", model.taskParameters(oldTasks)),
            ])
        frozen = (0..<oldTasks).flatMap { model.taskParameters($0) }
        inputs = Initializer.uniform([batchSize, 784], bound: 1, generator: &random)
        labels = (0..<batchSize).map { _ in taskClasses[random.nextInt(below: taskClasses.count)] }
    }

    /// One step: forward (generation, target network, cross-entropy, regulariser), backward,
    /// Adam. Returns the loss.
    @discardableResult
    public func run() -> Float {
        let loss = step(inputs: inputs, labels: labels).loss
        optimizer.zeroGradients()
        loss.backward()
        for p in frozen { p.zeroGradient() }
        optimizer.step()
        return loss.value.scalars[0]
    }
}
