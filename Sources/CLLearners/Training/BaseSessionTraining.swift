import CLTensor
import Foundation

/// The base-session stage of few-shot class-incremental learners (TEEN, and `nmc` with
/// `train_base: true`): train the backbone on the first task's (base) classes with a
/// cosine classifier, logits = T · cos(f(x), w_k) with T = 16 (TEEN's `forward_metric`,
/// mode "cos"), under the protocol's `training:` block; then freeze it and throw the
/// classifier away (the learners replace it by class prototypes).
///
/// Every random choice derives from the run seed alone, in a fixed order (initialisation,
/// head, batch order and augmentation), and the stage is one code path for every learner
/// that uses it, so `nmc` and `teen` with the same seed get bit-identical backbones: the
/// direct comparison the TEEN issue asks for.
///
/// Because of that, a trained base backbone is also kept in memory for the rest of the
/// process, keyed by everything it depends on (backbone and training settings, seed, the
/// exact base samples): a later learner of the same protocol run (another `teen` label,
/// `nmc` with `train_base`) reuses it instead of retraining, and says so in its note
/// `base_session`. The reuse is exact, not an approximation, because retraining would
/// reproduce the same bits; `reuse: false` forces retraining (tests use it to check that).
public enum BaseSessionTraining {
    /// T of the cosine classifier (TEEN's `temperature` for CIFAR).
    public static let temperature: Float = 16

    /// Trains a backbone of `backbone` kind on `task` and returns it frozen (evaluation
    /// mode). For `identity` there is nothing to train: returns the identity extractor.
    public static func trainedBackbone(backbone: BackboneConfig, training: TrainingConfig, task: TaskData, seed: UInt64,
                                       context: LearnerContext?, reuse: Bool = true) throws -> any FeatureExtractor {
        guard BackboneFactory.trainable.contains(backbone.kind) else {
            context?.note("base_session", "not trained: backbone '\(backbone.kind)' has no parameters")
            return try BackboneFactory.makeFeatureExtractor(backbone, sampleShape: task.sampleShape, seed: seed)
        }
        var generator = SeededGenerator(seed: seed)
        var initialization = generator.split()
        var headInitialization = generator.split()
        var trainingGenerator = generator.split()
        let network = try BackboneFactory.makeTrainableBackbone(backbone, sampleShape: task.sampleShape,
                                                                generator: &initialization)
        let key = Key(backbone: backbone, training: training, seed: seed, task: task)
        let curves = TrainingCurves()
        if reuse, let cached = Store.shared.value(for: key) {
            try network.loadStateDictionary(cached.state)
            for (loss, accuracy) in zip(cached.losses, cached.accuracies) {
                curves.begin(task: task.index)
                for (l, a) in zip(loss, accuracy) { curves.append(loss: l, accuracy: a) }
            }
            if let context {
                curves.record(in: context)
                context.note("base_session", "reused the base backbone trained earlier in this process with identical settings, seed and samples (bit-identical to retraining)")
                context.progress("  base session: reusing the backbone trained earlier in this run (same settings, seed and samples)")
            }
            network.isTraining = false
            return network
        }
        let data = TrainingSet(task)
        network.normalization.fit(data)
        let head = CosineHead(featureDimension: network.featureDimension, classes: task.seenClassCount,
                              temperature: temperature, generator: &headInitialization)
        try TrainingLoop(config: training, context: context, stage: "base session")
            .run(on: data, task: task.index, parameters: [ParameterSet("network", network.network.parameters + head.parameters)],
                 modules: [network], curves: curves, generator: &trainingGenerator,
                 loss: CrossEntropyStep(backbone: network, head: head, labelSmoothing: training.labelSmoothing).loss)
        network.isTraining = false
        if let context {
            curves.record(in: context)
            context.note("base_session", "trained with a cosine classifier (T = \(temperature)) on task \(task.index)")
        }
        if reuse {
            Store.shared.insert(Entry(state: network.stateDictionary(), losses: curves.losses, accuracies: curves.accuracies), for: key)
        }
        return network
    }

    /// Everything a trained base backbone depends on.
    struct Key: Hashable {
        let backboneKind: String, widths: [Int], training: String, seed: UInt64
        let sampleShape: [Int], sampleIndices: [Int], labels: [Int32], permutation: [Int]?
        /// Sum of the first samples' pixels: tells apart two datasets with equal indices.
        let contentChecksum: Double

        init(backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, task: TaskData) {
            backboneKind = backbone.kind
            widths = backbone.widths
            self.training = String(describing: training)
            self.seed = seed
            sampleShape = task.sampleShape
            sampleIndices = task.sampleIndices
            labels = task.labels
            permutation = task.pixelPermutation
            let probe = task.inputs(at: Array(0..<min(task.count, 16)))
            contentChecksum = probe.scalars.reduce(0.0) { $0 + Double($1) }
        }
    }

    struct Entry {
        let state: [String: Tensor]
        let losses: [[Double]], accuracies: [[Double]]
    }

    /// The process-wide store (a lock, since learners may one day run on several threads).
    final class Store: @unchecked Sendable {
        static let shared = Store()
        private var entries: [Key: Entry] = [:]
        private let lock = NSLock()

        func value(for key: Key) -> Entry? { lock.lock(); defer { lock.unlock() }; return entries[key] }
        func insert(_ entry: Entry, for key: Key) { lock.lock(); defer { lock.unlock() }; entries[key] = entry }
        func removeAll(where predicate: (Key) -> Bool) {
            lock.lock(); defer { lock.unlock() }
            for key in entries.keys where predicate(key) { entries[key] = nil }
        }
    }
}
