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
/// Because of that, a trained base backbone is shared through the run's stage cache
/// (`LearnerContext.reuse`), keyed by everything it depends on (the dataset's content, the
/// base samples, backbone and training settings, seed): a later learner of the same
/// protocol run (another `teen` label, `nmc` with `train_base`) reuses it instead of
/// retraining, and its results file says so (note `stage.base-session`). The reuse is
/// exact, not an approximation, because retraining would reproduce the same bits;
/// `reuse: false` forces retraining (tests use it to check that).
public enum BaseSessionTraining {
    /// T of the cosine classifier (TEEN's `temperature` for CIFAR).
    public static let temperature: Float = 16

    /// Trains a backbone of `backbone` kind on `task` and returns it frozen (evaluation
    /// mode). For `identity` there is nothing to train: returns the identity extractor.
    public static func trainedBackbone(
        backbone: BackboneConfig, training: TrainingConfig, task: TaskData, seed: UInt64,
        context: LearnerContext?, reuse: Bool = true
    ) throws -> any FeatureExtractor {
        try train(backbone: backbone, training: training, task: task, seed: seed, context: context, reuse: reuse)
            .backbone
    }

    /// A finished base session: the frozen backbone, and its weights and curves for a
    /// learner's checkpoint (`BaseSessionBackbone`).
    public struct Result {
        public let backbone: any FeatureExtractor
        /// Nil when the backbone kind has nothing to train.
        let entry: Entry?
    }

    /// `trainedBackbone`, keeping what a checkpoint needs.
    public static func train(
        backbone: BackboneConfig, training: TrainingConfig, task: TaskData, seed: UInt64,
        context: LearnerContext?, reuse: Bool = true
    ) throws -> Result {
        guard BackboneFactory.trainable.contains(backbone.kind) else {
            context?.note("base_session", "not trained: backbone '\(backbone.kind)' has no parameters")
            return Result(
                backbone: try BackboneFactory.makeFeatureExtractor(backbone, sampleShape: task.sampleShape, seed: seed),
                entry: nil)
        }
        var generator = SeededGenerator(seed: seed)
        var initialization = generator.split()
        var headInitialization = generator.split()
        var trainingGenerator = generator.split()
        let network = try BackboneFactory.makeTrainableBackbone(
            backbone, sampleShape: task.sampleShape,
            generator: &initialization)
        var trainedCurves: TrainingCurves?  // set when this call trains (not when it reuses)
        let work = { () throws -> Entry in
            let data = TrainingSet(task)
            network.normalization.fit(data)
            let head = CosineHead(
                featureDimension: network.featureDimension, classes: task.seenClassCount,
                temperature: temperature, generator: &headInitialization)
            let curves = TrainingCurves()
            try TrainingLoop(config: training, context: context, stage: "base session")
                .run(
                    on: data, task: task.index,
                    parameters: [ParameterSet("network", network.network.parameters + head.parameters)],
                    modules: [network], curves: curves, generator: &trainingGenerator,
                    loss: CrossEntropyStep(backbone: network, head: head, labelSmoothing: training.labelSmoothing).loss)
            trainedCurves = curves
            return Entry(state: network.stateDictionary(), losses: curves.losses, accuracies: curves.accuracies)
        }
        let entry: Entry
        if reuse, let context {
            entry = try context.reuse(
                stageKey(backbone: backbone, training: training, seed: seed, task: task), compute: work)
        } else {
            entry = try work()
        }
        let trained = trainedCurves != nil
        if !trained {
            try network.loadStateDictionary(entry.state)
            context?.progress(
                "  base session: reusing the backbone trained earlier in this run (same settings, seed and samples)")
        }
        network.isTraining = false
        if let context {
            (trainedCurves ?? entry.curves(task: task.index)).record(in: context)
            context.note(
                "base_session",
                trained
                    ? "trained with a cosine classifier (T = \(temperature)) on task \(task.index)"
                    : "reused the base backbone trained earlier in this run with identical settings, seed and samples "
                        + "(bit-identical to retraining)")
        }
        return Result(backbone: network, entry: entry)
    }

    /// Everything a trained base backbone depends on (with the dataset's content, which the
    /// context adds).
    static func stageKey(backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, task: TaskData) -> StageKey {
        var key = StageKey(stage: "base-session")
        key.add("backbone", backbone)  // every field: kind, widths, ResNet-18 width, weights
        key.add("training", training)
        key.add("seed", seed)
        key.add(task: task)
        return key
    }

    struct Entry {
        let state: [String: Tensor]
        let losses: [[Double]], accuracies: [[Double]]

        /// The training curves as the loop recorded them, for `task`.
        func curves(task: Int) -> TrainingCurves {
            let curves = TrainingCurves()
            for (loss, accuracy) in zip(losses, accuracies) {
                curves.begin(task: task)
                for (l, a) in zip(loss, accuracy) { curves.append(loss: l, accuracy: a) }
            }
            return curves
        }
    }
}
