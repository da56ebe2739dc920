import CLTensor
import Foundation

/// NAPA-VQ's base task, shared through the run's stage cache (`LearnerContext.reuse`) so
/// that the ablation (`augment_prototypes: false`) of the same protocol run does not train it
/// again: the ablation only changes what happens after the base task (prototype
/// augmentation needs old classes), so with the same seed, settings and samples its base
/// task would reproduce the same bits. On CIFAR-10 with five base classes the base task is
/// about half of a run's cost. Keyed by everything the base task depends on;
/// `reuse_base_task: false` trains it again (the tests use that to check the reuse is exact).
enum NAPAVQBaseTaskReuse {
    /// `settings` must hold only what the base task reads (not the weights of losses that
    /// start after it).
    static func stageKey(
        _ identity: (backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, settings: String),
        task: TaskData
    ) -> StageKey {
        var key = StageKey(stage: "napa-vq-base-task")
        key.add("backbone", identity.backbone)
        key.add("training", identity.training)
        key.add("seed", identity.seed)
        key.add("settings", identity.settings)
        key.add(task: task)
        return key
    }

    /// The learner's state after the base task, and its training curve.
    struct Entry {
        let backbone: [String: Tensor]
        let codeVectors: Tensor
        let topology: NeuralGasTopology
        let augmentation: PrototypeAugmentation
        let generator: SeededGenerator, drawGenerator: SeededGenerator, prototypeGenerator: SeededGenerator
        let losses: [Double], accuracies: [Double], extras: [String: [Double]]
    }
}
