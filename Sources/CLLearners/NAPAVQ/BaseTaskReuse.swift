import CLTensor
import Foundation

/// NAPA-VQ's base task, kept in memory for the rest of the process so that the ablation
/// (`augment_prototypes: false`) of the same protocol run does not train it again: the
/// ablation only changes what happens after the base task (prototype augmentation needs
/// old classes), so with the same seed, settings and samples its base task would
/// reproduce the same bits. On CIFAR-10 with five base classes the base task is about half
/// of a run's cost. Keyed by everything the base task depends on; `reuse_base_task: false`
/// trains it again (the tests use that to check the reuse is exact). As
/// `BaseSessionTraining`'s store for the few-shot learners.
enum NAPAVQBaseTaskReuse {
    struct Key: Hashable {
        let backbone: String, training: String, seed: UInt64, settings: String
        let sampleIndices: [Int], labels: [Int32], permutation: [Int]?
        /// Sum of the first samples' pixels: tells apart two datasets with equal indices.
        let contentChecksum: Double

        /// `settings` must hold only what the base task reads (not the weights of losses
        /// that start after it).
        init(backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, settings: String, task: TaskData) {
            self.backbone = String(describing: backbone)
            self.training = String(describing: training)
            self.seed = seed
            self.settings = settings
            sampleIndices = task.sampleIndices
            labels = task.labels
            permutation = task.pixelPermutation
            contentChecksum = task.inputs(at: Array(0..<min(task.count, 16))).scalars.reduce(0.0) { $0 + Double($1) }
        }
    }

    /// The learner's state after the base task, and its training curve.
    struct Entry {
        let backbone: [String: Tensor]
        let codeVectors: Tensor
        let topology: NeuralGasTopology
        let augmentation: PrototypeAugmentation
        let generator: SeededGenerator, drawGenerator: SeededGenerator
        let losses: [Double], accuracies: [Double], extras: [String: [Double]]
    }

    final class Store: @unchecked Sendable {
        static let shared = Store()
        private var entries: [Key: Entry] = [:]
        private let lock = NSLock()

        func value(for key: Key) -> Entry? { lock.lock(); defer { lock.unlock() }; return entries[key] }
        func insert(_ entry: Entry, for key: Key) { lock.lock(); defer { lock.unlock() }; entries[key] = entry }
    }
}
