import CLTensor

/// A trainable backbone with a growing linear head: the network of the `finetune` and
/// `joint` baselines, and how it scores test batches (logits over the classes learned so
/// far, evaluation-mode features).
final class SupervisedClassifier: StateContainer {
    let backbone: TrainableBackbone
    let head: LinearHead

    /// Initialises backbone then head from `generator` (in that order).
    init(backbone config: BackboneConfig, sampleShape: [Int], generator: inout SeededGenerator) throws {
        backbone = try BackboneFactory.makeTrainableBackbone(config, sampleShape: sampleShape, generator: &generator)
        head = LinearHead(featureDimension: backbone.featureDimension, generator: &generator)
    }

    /// Logits over the head's classes; before any class is learned, no columns (nothing is
    /// predicted, so row 0 of the matrix is 0 as for every class-incremental learner).
    func predict(_ batch: Tensor) -> Prediction {
        guard head.classCount > 0 else { return Prediction(scores: Tensor(shape: [batch.shape[0], 0])) }
        let features = backbone.features(of: batch)
        return Prediction(scores: withoutGradient { head.logits(Variable(features)).value })
    }
}

extension SupervisedClassifier {
    /// A network and its head and training generators from the run's seed, in one fixed
    /// order (initialisation, then the head's generator, then the training generator), so
    /// that every learner built on the baselines' network (finetune, joint, lwf, ewc, der)
    /// starts from the same bits and equals finetune when its extra terms are off. `rest` is
    /// the seed's generator after those three, for a learner's further streams (der's buffer).
    static func seeded(_ backbone: BackboneConfig, sampleShape: [Int], seed: UInt64) throws
        -> (
            network: SupervisedClassifier, headGenerator: SeededGenerator, generator: SeededGenerator,
            rest: SeededGenerator
        )
    {
        var root = SeededGenerator(seed: seed)
        var initialization = root.split()
        let network = try SupervisedClassifier(backbone: backbone, sampleShape: sampleShape, generator: &initialization)
        let head = root.split(), training = root.split()
        return (network, head, training, root)
    }

    /// One training stage of the baselines: fit the input normalisation on the first data
    /// seen, grow the head to the classes seen so far, train.
    func train(
        on data: TrainingSet, task: TaskData, loop: TrainingLoop, curves: TrainingCurves,
        headGenerator: inout SeededGenerator, generator: inout SeededGenerator
    ) throws {
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        head.grow(to: task.seenClassCount, generator: &headGenerator)
        try loop.run(
            on: data, task: task.index,
            parameters: [ParameterSet("network", backbone.network.parameters + head.parameters)],
            modules: [backbone], curves: curves, generator: &generator,
            loss: CrossEntropyStep(backbone: backbone, head: head, labelSmoothing: loop.config.labelSmoothing).loss)
    }
}

/// The backbone kinds that can be trained (the baselines reject `identity`).
let trainableBackboneKinds = BackboneFactory.trainable
