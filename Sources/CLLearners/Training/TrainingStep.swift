import CLTensor

/// One optimiser step of the shared training machinery, the part of `TrainingLoop` that does
/// not depend on passes over a data set: the views (augmentation, rotation labels), the
/// rate of the schedule at this step, the per-batch closure, the NaN/inf guard, backward,
/// frozen parameters kept, the optimiser's step. `TrainingLoop` takes one per batch;
/// an online learner (`er`), which sees each batch once and never an epoch, takes them
/// itself, one per incoming batch, on an optimiser it keeps for as long as its head
/// does not grow.
public struct TrainingStep {
    public let config: TrainingConfig
    let optimizer: Optimizer
    let schedule: LearningRateSchedule
    let frozen: [Variable]
    let views: [TrainingView]
    /// The augmentation stream; views draw from it in view order.
    var augmentation: SeededGenerator
    /// Steps taken so far (the schedule's position).
    public private(set) var count = 0

    /// - Parameters:
    ///   - parameters: what the optimiser updates, in groups (build it after growing heads).
    ///   - views: how each sample is shown (default: one view with the block's `augment`).
    ///   - schedule: the rate's schedule over the steps (default: constant, the online case).
    ///   - augmentation: the source of augmentation choices.
    public init(
        config: TrainingConfig, parameters: [ParameterSet], views: [TrainingView]? = nil,
        schedule: LearningRateSchedule = ConstantSchedule(), augmentation: SeededGenerator
    ) {
        self.config = config
        optimizer = OptimizerFactory.optimizer(config, sets: parameters)
        self.schedule = schedule
        frozen = parameters.filter(\.frozen).flatMap(\.parameters)
        self.views = views ?? [.standard(config)]
        self.augmentation = augmentation
    }

    /// The views of a batch and their labels, drawing augmentation choices.
    mutating func prepare(_ inputs: Tensor, labels: [Int]) -> (views: [Tensor], labels: [[Int]]) {
        var viewInputs: [Tensor] = [], viewLabels: [[Int]] = []
        for view in views {
            let (x, y) = view.apply(to: inputs, labels: labels, generator: &augmentation)
            viewInputs.append(x)
            viewLabels.append(y)
        }
        return (viewInputs, viewLabels)
    }

    /// One step on prepared views: sets the scheduled rate, asks `loss` for the batch's loss,
    /// refuses a non-finite one (`diverged(value)` is the error, naming where the caller
    /// stands) before any update, then backward and the optimiser's step.
    mutating func take(
        views: [Tensor], viewLabels: [[Int]], labels: [Int], positions: [Int], task: Int, epoch: Int,
        diverged: (Float) -> Error, loss: (TrainingBatch) throws -> Variable
    ) throws -> (batch: TrainingBatch, loss: Float) {
        optimizer.apply(schedule, at: count)
        let batch = TrainingBatch(
            views: views, viewLabels: viewLabels, labels: labels, positions: positions,
            task: task, epoch: epoch, step: count, scheduleFactor: schedule.learningRate(initial: 1, at: count))
        let value = try loss(batch)
        precondition(
            value.value.count == 1, "the per-batch closure must return a scalar loss, got shape \(value.shape)")
        let scalar = value.value.scalars[0]
        guard scalar.isFinite else { throw diverged(scalar) }
        optimizer.zeroGradients()
        if value.requiresGrad { value.backward() }
        for parameter in frozen { parameter.zeroGradient() }
        optimizer.step()
        count += 1
        return (batch, scalar)
    }

    /// One step on `inputs` (a batch [n] + sample shape) with learner labels `labels`: the
    /// views, then `take`. A non-finite loss is `TrainingError.nonFiniteLoss` naming the task
    /// and this step (epoch 1 of 1: an online stream has no epochs).
    @discardableResult
    public mutating func take(
        _ inputs: Tensor, labels: [Int], task: Int, loss: (TrainingBatch) throws -> Variable
    ) throws -> (batch: TrainingBatch, loss: Float) {
        let (viewInputs, viewLabels) = prepare(inputs, labels: labels)
        let step = count
        return try take(
            views: viewInputs, viewLabels: viewLabels, labels: labels, positions: Array(0..<labels.count),
            task: task, epoch: 1,
            diverged: {
                TrainingError.nonFiniteLoss(task: task, epoch: 1, epochs: 1, batch: step + 1, step: step + 1, value: $0)
            }, loss: loss)
    }
}
