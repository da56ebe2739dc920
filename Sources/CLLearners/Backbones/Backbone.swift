import CLTensor

/// A feature extractor that learners train and query: input batch → feature vectors.
///
/// Backbones are classes (their parameters are shared, mutable `Variable`s that
/// optimisers update in place). Weights, including batch-norm running statistics, are a
/// named dictionary (`stateDictionary()` / `loadStateDictionary(_:)` from `Layer`) that the
/// runner writes to the results file; names follow PyTorch's state-dict keys of the
/// corresponding reference model.
///
/// Training a backbone with a linear head, one epoch:
/// ```swift
/// var generator = SeededGenerator(seed: seed)
/// var augmentation = generator.split(), batching = generator.split()
/// let backbone = CIFARResNet.resnet20(generator: &generator)
/// let head = Linear(inputs: backbone.featureDimension, outputs: classes, generator: &generator)
/// let optimizer = SGD(parameters: backbone.parameters + head.parameters, learningRate: 0.1,
///                     momentum: 0.9, weightDecay: 5e-4)
/// backbone.isTraining = true
/// for batch in Augmentation.shuffledBatches(count: images.shape[0], batchSize: 128, generator: &batching) {
///     var x = images.selecting(rows: batch)
///     x = Augmentation.randomHorizontalFlip(Augmentation.randomCrop(x, padding: 4, generator: &augmentation),
///                                           generator: &augmentation)
///     let logits = head(backbone.features(of: Variable(x)))                     // forward
///     let loss = Loss.crossEntropy(logits: logits, labels: batch.map { labels[$0] })
///     optimizer.zeroGradients()
///     loss.backward()                                                          // backward
///     optimizer.step()                                                         // update
/// }
/// optimizer.apply(CosineSchedule(total: epochs), at: epoch + 1)                // per-epoch schedule
/// let features = backbone.evaluateFeatures(of: testImages)                      // eval mode, no tape
/// ```
public protocol Backbone: Layer, TrainingModeSwitchable {
    /// Length of each feature vector.
    var featureDimension: Int { get }
    /// Features [n, featureDimension] of an input batch, differentiable with respect to
    /// the parameters (and the input).
    func features(of input: Variable) -> Variable
    /// Training mode (batch statistics, dropout) or evaluation mode (running statistics).
    var isTraining: Bool { get set }
}

extension Backbone {
    /// Features of a batch in evaluation mode without recording gradients (restores the
    /// previous mode afterwards).
    ///
    /// Large batches go through the network `evaluationChunk` images at a time: in
    /// evaluation every image is computed independently, so the features are the same bit
    /// for bit, while each feature map stays below glibc's 32 MiB mmap limit and is reused
    /// instead of being mapped and page-faulted afresh (a batch of 1024 Conv-4 maps on
    /// 28×28 inputs is 205 MB per layer).
    public func evaluateFeatures(of input: Tensor) -> Tensor {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        let count = input.shape[0]
        if count <= evaluationChunk { return withoutGradient { features(of: Variable(input)).value } }
        var scalars: [Float] = []
        scalars.reserveCapacity(count * featureDimension)
        for start in stride(from: 0, to: count, by: evaluationChunk) {
            let part = input.selecting(rows: Array(start..<min(start + evaluationChunk, count)))
            scalars += withoutGradient { features(of: Variable(part)).value }.scalars
        }
        return Tensor(shape: [count, scalars.count / count], scalars: scalars)
    }
}

/// Images per network call in `evaluateFeatures`.
let evaluationChunk = 128

extension Backbone {
}
