import CLTensor

/// A feature extractor that learners train and query: input batch → feature vectors.
///
/// Backbones are classes (their parameters are shared, mutable `Variable`s that
/// optimisers update in place). Weights, including batch-norm running statistics, are a
/// named dictionary (`stateDictionary()` / `loadStateDictionary(_:)` from `Layer`) that the
/// runner writes to the results file; names follow PyTorch's state-dict keys of the
/// corresponding reference model.
public protocol Backbone: Layer {
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
    public func evaluateFeatures(of input: Tensor) -> Tensor {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        return withoutGradient { features(of: Variable(input)).value }
    }
}
