import CLTensor
import Foundation

/// The one training loop of cl-bench. A learner gives it the data, its parameters and one
/// per-batch closure that returns the loss (Mammoth's `observe`); the loop does the rest:
/// seeded shuffled mini-batches, any number of augmented views per sample (rotation labels
/// included), the optimiser of the `training:` block over parameter groups (each its own
/// rate and decay, or frozen), the learning-rate schedule applied per step, a budget in
/// epochs or steps, the NaN/inf guard naming task, epoch and step, training curves and
/// progress lines. `finetune`, `joint` and the base session are cross-entropy closures on it.
/// Each step is a `TrainingStep` (which online learners take one incoming batch at a time).
///
/// ```swift
/// let loop = TrainingLoop(config: config.training, context: context)
/// try loop.run(on: TrainingSet(task), task: task.index, parameters: [ParameterSet("all", backbone.parameters)],
///              modules: [backbone], curves: curves, generator: &generator) { batch in
///     let logits = head.logits(backbone.trainingFeatures(of: batch.inputs))
///     batch.countCorrect(logits: logits.value, labels: batch.labels)
///     return Loss.crossEntropy(logits: logits, labels: batch.labels)
/// }
/// ```
///
/// Randomness: the caller's generator is split once into a batch-order stream and an
/// augmentation stream (in that order), so one seed fixes both and switching augmentation
/// on or off does not change the batch order. Views draw from the augmentation stream in
/// view order. Nothing prepares the next batch in the background: fetching and augmenting
/// a batch measured below 0.5% of an epoch for ResNet-20 on CIFAR-10 (the epoch lines
/// print the share as "data N%").
public struct TrainingLoop {
    public var config: TrainingConfig
    /// Receives progress lines and live status (nil: silent, as in tests).
    public var context: LearnerContext?
    /// How long to train (default: the block's `steps`, else its `epochs`).
    public var budget: TrainingBudget
    /// How each sample is shown (default: one view with the block's `augment`).
    public var views: [TrainingView]
    /// Names the stage in progress lines ("task", "base session", ...).
    public var stage: String

    public init(
        config: TrainingConfig, context: LearnerContext?, budget: TrainingBudget? = nil,
        views: [TrainingView]? = nil, stage: String = "task"
    ) {
        self.config = config
        self.context = context
        self.budget = budget ?? config.budget
        self.views = views ?? [.standard(config)]
        self.stage = stage
    }

    /// Trains on `data`.
    /// - Parameters:
    ///   - task: the task index, for messages and curves.
    ///   - parameters: what the optimiser updates, in groups (build it after growing heads:
    ///     growing replaces a head's variables).
    ///   - modules: switched to training mode for the loop and back to evaluation after.
    ///   - curves: receives per-epoch loss, accuracy (where the closure counts it) and
    ///     every scalar the closure records.
    ///   - generator: the source of batch order and augmentation (advanced by two splits).
    ///   - afterStep: runs after each optimiser step (e.g. a topology or buffer update).
    ///   - loss: the per-batch closure; returns a scalar loss to minimise.
    public func run(
        on data: TrainingSet, task: Int, parameters: [ParameterSet], modules: [any TrainingModeSwitchable] = [],
        curves: TrainingCurves? = nil, generator: inout SeededGenerator,
        afterStep: ((TrainingBatch) throws -> Void)? = nil,
        loss: (TrainingBatch) throws -> Variable
    ) throws {
        var batchOrder = generator.split()
        let augmentation = generator.split()
        guard data.count > 0 else { return }
        let batchSize = max(1, min(config.batchSize, data.count))
        let stepsPerEpoch = (data.count + batchSize - 1) / batchSize
        let totalSteps = budget.totalSteps(stepsPerEpoch: stepsPerEpoch)
        guard totalSteps > 0 else { return }
        let epochs = budget.epochCount(stepsPerEpoch: stepsPerEpoch)
        let schedule = OptimizerFactory.schedule(config, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps)
        var stepper = TrainingStep(
            config: config, parameters: parameters, views: views, schedule: schedule, augmentation: augmentation)

        curves?.begin(task: task)
        for module in modules { module.isTraining = true }
        defer { for module in modules { module.isTraining = false } }
        let clock = ContinuousClock()
        let start = clock.now
        var step = 0
        for epoch in 1...epochs {
            let epochStart = clock.now
            var dataTime = Duration.zero
            var lossSum = 0.0, seen = 0, correct = 0, counted = 0
            var extras: [String: Double] = [:]
            let batches = Augmentation.shuffledBatches(count: data.count, batchSize: batchSize, generator: &batchOrder)
            let batchesThisEpoch = min(batches.count, totalSteps - step)
            for (batchIndex, positions) in batches.prefix(batchesThisEpoch).enumerated() {
                try RunInterruption.checkpoint()  // a safe point: no step half-applied
                let dataStart = clock.now
                let (inputs, labels) = data.inputs(at: positions)
                let (viewInputs, viewLabels) = stepper.prepare(inputs, labels: labels)
                dataTime += clock.now - dataStart

                let (batch, scalar) = try stepper.take(
                    views: viewInputs, viewLabels: viewLabels, labels: labels, positions: positions, task: task,
                    epoch: epoch,
                    diverged: { [step] value in
                        TrainingError.nonFiniteLoss(
                            task: task, epoch: epoch, epochs: epochs, batch: batchIndex + 1, step: step + 1,
                            value: value)
                    }, loss: loss)
                try afterStep?(batch)
                step += 1

                lossSum += Double(scalar) * Double(positions.count)
                seen += positions.count
                correct += batch.correct
                counted += batch.counted
                for (name, v) in batch.recorded { extras[name, default: 0] += v * Double(positions.count) }
                if let context {
                    let elapsed = Self.seconds(clock.now - start)
                    let rate = Double(step * batchSize) / max(elapsed, 1e-9)
                    context.liveStatus(
                        "  \(stage) \(task) epoch \(epoch)/\(epochs) batch \(batchIndex + 1)/\(batchesThisEpoch): "
                            + String(format: "loss %.4f, %.0f images/s, ", lossSum / Double(seen), rate)
                            + Self.clockText(elapsed / Double(step) * Double(totalSteps - step)) + " left")
                }
            }
            let meanLoss = lossSum / Double(seen)
            let accuracy = counted > 0 ? Double(correct) / Double(counted) : .nan
            curves?.append(loss: meanLoss, accuracy: accuracy, extras: extras.mapValues { $0 / Double(seen) })
            if let context {
                let epochSeconds = Self.seconds(clock.now - epochStart)
                let elapsed = Self.seconds(clock.now - start)
                var line = "  \(stage) \(task) epoch \(epoch)/\(epochs): " + String(format: "loss %.4f, ", meanLoss)
                if counted > 0 { line += String(format: "accuracy %.4f, ", accuracy) }
                for name in extras.keys.sorted() {
                    line += String(format: "%@ %.4f, ", name, extras[name]! / Double(seen))
                }
                line += String(
                    format: "%.0f images/s (data %.0f%%), ", Double(seen) / max(epochSeconds, 1e-9),
                    100 * Self.seconds(dataTime) / max(epochSeconds, 1e-9))
                context.progress(line + Self.clockText(elapsed / Double(step) * Double(totalSteps - step)) + " left")
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// "1h02m", "3m05s" or "12s".
    static func clockText(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}

/// What the loop switches between training mode (batch statistics) and evaluation mode.
public protocol TrainingModeSwitchable: AnyObject {
    var isTraining: Bool { get set }
}
