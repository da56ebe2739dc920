import CLTensor

/// A trainable backbone with a growing linear head: the network of the `finetune` and
/// `joint` baselines, and how it scores test batches (logits over the classes learned so
/// far, evaluation-mode features).
final class SupervisedClassifier {
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
    /// One training stage of the baselines: fit the input normalisation on the first data
    /// seen, grow the head to the classes seen so far, train, then record the curves and
    /// hand the weights to the results file.
    func train(
        on data: TrainingSet, task: TaskData, loop: TrainingLoop, curves: TrainingCurves,
        context: LearnerContext, headGenerator: inout SeededGenerator, generator: inout SeededGenerator
    ) throws {
        if !backbone.normalization.isFitted { backbone.normalization.fit(data) }
        head.grow(to: task.seenClassCount, generator: &headGenerator)
        try loop.run(
            on: data, task: task.index,
            parameters: [ParameterSet("network", backbone.network.parameters + head.parameters)],
            modules: [backbone], curves: curves, generator: &generator,
            loss: CrossEntropyStep(backbone: backbone, head: head, labelSmoothing: loop.config.labelSmoothing).loss)
        curves.record(in: context)
        context.saveWeights(stateDictionary)
    }

    /// Backbone weights (PyTorch-style names, plus the input normalisation) and the head's
    /// `head.weight` / `head.bias`, as written to the results file.
    /// Restores `stateDictionary` (the head grows to the saved class count first).
    func load(_ state: [String: Tensor], normalizationFitted: Bool) throws {
        var weights = state
        guard let headWeight = weights.removeValue(forKey: "head.weight"),
            let headBias = weights.removeValue(forKey: "head.bias")
        else {
            throw LearnerCheckpoint.Missing(name: "head.weight")
        }
        try backbone.loadStateDictionary(weights)
        if !normalizationFitted {
            backbone.normalization = InputNormalization(channels: backbone.normalization.mean.count)
        }
        head.load(weight: headWeight, bias: headBias)
    }

    var stateDictionary: [String: Tensor] {
        var state = backbone.stateDictionary()
        state["head.weight"] = head.weight.value
        state["head.bias"] = head.bias.value
        return state
    }
}

/// The backbone kinds that can be trained (the baselines reject `identity`).
let trainableBackboneKinds = BackboneFactory.trainable

extension SupervisedClassifier {
    /// The baselines' state after a task, for `Resumable`: network and head (weights,
    /// batch-norm statistics, input normalisation), both generators and the curves; the
    /// optimiser is rebuilt for every task, so it has no state to keep.
    func checkpoint(generator: SeededGenerator, headGenerator: SeededGenerator, curves: TrainingCurves)
        -> LearnerCheckpoint
    {
        var checkpoint = LearnerCheckpoint()
        for (name, tensor) in stateDictionary { checkpoint.tensors["network." + name] = tensor }
        checkpoint.integers["normalization_fitted"] = [backbone.normalization.isFitted ? 1 : 0]
        checkpoint.save(generator, as: "generator")
        checkpoint.save(headGenerator, as: "head_generator")
        curves.save(in: &checkpoint)
        return checkpoint
    }

    /// Restores what `checkpoint` saved and returns the generators; with a context (some
    /// task was learned), hands the curves and weights to it again, as training had.
    func restore(from checkpoint: LearnerCheckpoint, curves: TrainingCurves, context: LearnerContext?) throws
        -> (generator: SeededGenerator, headGenerator: SeededGenerator)
    {
        try load(
            checkpoint.tensors(prefixed: "network."),
            normalizationFitted: checkpoint.integer("normalization_fitted") == 1)
        curves.restore(from: checkpoint)
        if let context {
            curves.record(in: context)
            context.saveWeights(stateDictionary)
        }
        return (try checkpoint.generator("generator"), try checkpoint.generator("head_generator"))
    }
}
