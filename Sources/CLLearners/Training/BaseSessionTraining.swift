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
        try train(backbone: backbone, training: training, task: task, seed: seed, context: context, reuse: reuse).backbone
    }

    /// A finished base session: the frozen backbone, and its weights and curves for a
    /// learner's checkpoint (`save(in:)`, `restore(from:…)`).
    public struct Result {
        public let backbone: any FeatureExtractor
        /// Nil when the backbone kind has nothing to train.
        let entry: Entry?
    }

    /// `trainedBackbone`, keeping what a checkpoint needs.
    public static func train(backbone: BackboneConfig, training: TrainingConfig, task: TaskData, seed: UInt64,
                             context: LearnerContext?, reuse: Bool = true) throws -> Result {
        guard BackboneFactory.trainable.contains(backbone.kind) else {
            context?.note("base_session", "not trained: backbone '\(backbone.kind)' has no parameters")
            return Result(backbone: try BackboneFactory.makeFeatureExtractor(backbone, sampleShape: task.sampleShape, seed: seed), entry: nil)
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
            return Result(backbone: network, entry: cached)
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
        let entry = Entry(state: network.stateDictionary(), losses: curves.losses, accuracies: curves.accuracies)
        if reuse { Store.shared.insert(entry, for: key) }
        return Result(backbone: network, entry: entry)
    }

    /// Everything a trained base backbone depends on.
    struct Key: Hashable {
        let backboneKind: String, widths: [Int], width: Int?, training: String, seed: UInt64
        let sampleShape: [Int], sampleIndices: [Int], labels: [Int32], permutation: [Int]?
        /// Sum of the first samples' pixels: tells apart two datasets with equal indices.
        let contentChecksum: Double

        init(backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, task: TaskData) {
            backboneKind = backbone.kind
            widths = backbone.widths
            width = backbone.width
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

extension BaseSessionTraining.Result {
    /// Saves the trained backbone (weights, batch-norm statistics, input normalisation) and
    /// its curves under `base.` so that a resumed run need not train the base session again.
    public func save(in checkpoint: inout LearnerCheckpoint) {
        guard let entry else { checkpoint.integers["base.trained"] = [0]; return }
        checkpoint.integers["base.trained"] = [1]
        checkpoint.save(entry.state, prefix: "base.network.")
        checkpoint.integers["base.curve_count"] = [Int64(entry.losses.count)]
        for (row, (loss, accuracy)) in zip(entry.losses, entry.accuracies).enumerated() {
            checkpoint.numbers["base.loss.\(row)"] = loss
            checkpoint.numbers["base.accuracy.\(row)"] = accuracy
        }
    }

    /// The base session `save(in:)` stored, for the learner's first task `task`. It also goes
    /// back into the process-wide store, so that a later learner of the same protocol run
    /// reuses it exactly as it would have in an uninterrupted run.
    public static func restore(from checkpoint: LearnerCheckpoint, backbone config: BackboneConfig, training: TrainingConfig,
                               task: TaskData, seed: UInt64) throws -> BaseSessionTraining.Result {
        guard try checkpoint.integer("base.trained") == 1 else {
            return BaseSessionTraining.Result(backbone: try BackboneFactory.makeFeatureExtractor(config, sampleShape: task.sampleShape, seed: seed),
                                              entry: nil)
        }
        var unused = SeededGenerator(seed: 0)
        let network = try BackboneFactory.makeTrainableBackbone(config, sampleShape: task.sampleShape, generator: &unused)
        let state = checkpoint.tensors(prefixed: "base.network.")
        try network.loadStateDictionary(state)
        network.isTraining = false
        let rows = try checkpoint.integer("base.curve_count")
        let entry = BaseSessionTraining.Entry(state: state, losses: (0..<rows).map { checkpoint.numbers["base.loss.\($0)"] ?? [] },
                                              accuracies: (0..<rows).map { checkpoint.numbers["base.accuracy.\($0)"] ?? [] })
        let key = BaseSessionTraining.Key(backbone: config, training: training, seed: seed, task: task)
        if BaseSessionTraining.Store.shared.value(for: key) == nil { BaseSessionTraining.Store.shared.insert(entry, for: key) }
        return BaseSessionTraining.Result(backbone: network, entry: entry)
    }
}
