import CLTensor

/// The feature extractor of a learner on a frozen backbone (`nmc`, `teen`): either fixed by
/// the protocol (pretrained, or `identity`), or trained on the first task by the base
/// session (`BaseSessionTraining`) and frozen from then on.
///
/// A part of the learner's state: a trained base session is saved with it (weights and
/// curves) and, on restore, offered again to the run's stage cache under the key it was
/// trained with, so a resumed run neither retrains it nor changes what later learners of the
/// run reuse. Its weights are not written to the results file (`StatePart`, not
/// `NetworkPart`), as before: the base session is a stage, not what the learner learns.
public final class BaseSessionBackbone: FeatureExtractor, StatePart {
    /// What a base session is trained with (nil: the extractor is fixed).
    struct Session {
        let backbone: BackboneConfig, training: TrainingConfig, seed: UInt64, context: LearnerContext
    }

    /// The extractor now: the fixed one, or the trained backbone after the first task.
    public private(set) var extractor: any FeatureExtractor
    private let session: Session?
    private var trained: BaseSessionTraining.Result?
    private var stageKey: StageKey?

    /// A fixed extractor (no base session).
    public init(fixed extractor: any FeatureExtractor) {
        self.extractor = extractor
        session = nil
    }

    /// The protocol's backbone, trained on the first task when `trainsBase` (else fixed).
    public init(config: BackboneConfig, training: TrainingConfig, trainsBase: Bool, context: LearnerContext) throws {
        extractor = try BackboneFactory.makeFeatureExtractor(
            config, sampleShape: context.sampleShape, seed: context.seed)
        session = trainsBase ? Session(backbone: config, training: training, seed: context.seed, context: context) : nil
    }

    public var featureDimension: Int { extractor.featureDimension }
    public func features(of batch: Tensor) -> Tensor { extractor.features(of: batch) }

    /// Whether the next task is the base session's.
    public var awaitsBaseSession: Bool { session != nil && trained == nil }

    /// Trains the base session on `task` (or reuses it from the run's stage cache) and
    /// freezes the result as the extractor.
    public func trainBaseSession(on task: TaskData) throws {
        guard let session else { return }
        let result = try BaseSessionTraining.train(
            backbone: session.backbone, training: session.training, task: task, seed: session.seed,
            context: session.context)
        trained = result
        extractor = result.backbone
        stageKey = BaseSessionTraining.stageKey(
            backbone: session.backbone, training: session.training, seed: session.seed, task: task)
    }

    private struct SavedSession: Codable {
        var losses: [[Double]], accuracies: [[Double]]
        var stageKey: StageKey?
        /// False when the backbone kind has nothing to train (the extractor stays as built).
        var trainedNetwork: Bool
    }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        guard let trained else { return }
        if let entry = trained.entry { checkpoint.save(entry.state, prefix: name + ".network.") }
        try checkpoint.store(
            SavedSession(
                losses: trained.entry?.losses ?? [], accuracies: trained.entry?.accuracies ?? [], stageKey: stageKey,
                trainedNetwork: trained.entry != nil), as: name + ".session")
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        guard let session, checkpoint.values[name + ".session"] != nil else { return }
        let saved = try checkpoint.value(SavedSession.self, named: name + ".session")
        guard saved.trainedNetwork else {
            trained = BaseSessionTraining.Result(backbone: extractor, entry: nil)
            return
        }
        var unused = SeededGenerator(seed: 0)
        let network = try BackboneFactory.makeTrainableBackbone(
            session.backbone, sampleShape: session.context.sampleShape, generator: &unused)
        let state = checkpoint.tensors(prefixed: name + ".network.")
        try network.load(weights: state)
        let entry = BaseSessionTraining.Entry(state: state, losses: saved.losses, accuracies: saved.accuracies)
        if let key = saved.stageKey { session.context.offer(entry, for: key) }
        trained = BaseSessionTraining.Result(backbone: network, entry: entry)
        extractor = network
        stageKey = saved.stageKey
    }
}
