/// The protocol's `training:` block: how learners that train a network do it.
/// Training-free learners (nmc, teen on a frozen backbone) ignore it.
public struct TrainingConfig: Sendable, Equatable {
    public var epochs: Int = 10
    /// Optimiser steps per training stage (per task) instead of `epochs` passes: a fixed
    /// compute budget per task whatever the task's size (CPU-sized schedules; `joint` then
    /// costs what `finetune` does, passing fewer times over its growing union). nil: epochs.
    public var steps: Int? = nil
    public var batchSize: Int = 128
    /// "sgd", "adam" or "adamw".
    public var optimizer: String = "sgd"
    public var learningRate: Double = 0.1
    public var momentum: Double = 0.9
    public var nesterov: Bool = false
    public var weightDecay: Double = 5e-4
    /// "constant", "cosine", "step" or "multistep".
    public var schedule: String = "cosine"
    /// Epochs at which "step"/"multistep" schedules multiply the rate by `gamma`.
    public var milestones: [Int] = []
    public var gamma: Double = 0.1
    /// Linear warm-up epochs.
    public var warmupEpochs: Int = 0
    /// Augmentations by name: "crop4" (random crop with 4-pixel padding), "hflip".
    public var augment: [String] = []
    /// Label smoothing for cross-entropy.
    public var labelSmoothing: Double = 0
    /// A name for a reduced schedule (e.g. "cpu-small"), written into results so that
    /// numbers from a CPU-sized schedule are never mistaken for the paper's.
    public var preset: String? = nil

    public init() {}

    /// How long each training stage runs: `steps` when given, else `epochs`.
    public var budget: TrainingBudget { steps.map { .steps($0) } ?? .epochs(epochs) }

    /// The protocol keys this block accepts, for validation and `cl-bench list`.
    public static let keys: [String] = [
        "epochs", "steps", "batch_size", "optimizer", "lr", "momentum", "nesterov",
        "weight_decay", "schedule", "milestones", "gamma", "warmup_epochs",
        "augment", "label_smoothing", "preset",
    ]
    public static let optimizers = ["sgd", "adam", "adamw"]
    public static let schedules = ["constant", "cosine", "step", "multistep"]
    public static let augmentations = ["crop4", "hflip"]
}
