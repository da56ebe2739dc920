import CLTensor

/// A classifier on top of backbone features: logits over the classes it holds.
public protocol ClassifierHead: Layer {
    /// Number of classes (rows of the weight).
    var classCount: Int { get }
    /// Logits [n, classCount] of features [n, d], differentiable.
    func logits(_ features: Variable) -> Variable
    /// Adds rows until the head holds `count` classes; existing rows are kept bit-identical.
    func grow(to count: Int, generator: inout SeededGenerator)
}

/// Linear head x·Wᵀ + b that grows by one row per new class (the "growing linear head"
/// of fine-tuning baselines). New rows get PyTorch's default initialisation for a
/// `featureDimension`-input layer, drawn from the caller's generator.
public final class LinearHead: ClassifierHead {
    public private(set) var weight: Variable
    public private(set) var bias: Variable
    public let featureDimension: Int

    public init(featureDimension: Int, classes: Int = 0, generator: inout SeededGenerator) {
        self.featureDimension = featureDimension
        weight = Variable(Tensor(shape: [0, featureDimension]), requiresGrad: true)
        bias = Variable(Tensor(shape: [0]), requiresGrad: true)
        grow(to: classes, generator: &generator)
    }

    public var classCount: Int { weight.shape[0] }

    public func logits(_ features: Variable) -> Variable { linear(features, weight: weight, bias: bias) }

    /// Growing replaces the parameter variables (their shapes change), so build the
    /// optimiser after growing.
    public func grow(to count: Int, generator: inout SeededGenerator) {
        guard count > classCount else { return }
        let added = count - classCount
        let newWeights = Initializer.pytorchDefault(
            [added, featureDimension], fanIn: featureDimension, generator: &generator)
        let newBiases = Initializer.pytorchDefault([added], fanIn: featureDimension, generator: &generator)
        weight = Variable(
            Tensor(shape: [count, featureDimension], scalars: weight.value.scalars + newWeights.scalars),
            requiresGrad: true)
        bias = Variable(Tensor(shape: [count], scalars: bias.value.scalars + newBiases.scalars), requiresGrad: true)
    }

    public var namedVariables: [(name: String, variable: Variable)] { [("weight", weight), ("bias", bias)] }

    /// Replaces the weights with saved ones (any class count).
    public func load(weight saved: Tensor, bias savedBias: Tensor) {
        weight = Variable(saved, requiresGrad: true)
        bias = Variable(savedBias, requiresGrad: true)
    }
}

extension LinearHead: NetworkPart {
    public var weights: [String: Tensor] { ["weight": weight.value, "bias": bias.value] }

    /// Takes the saved class count (the head grows from task to task).
    public func load(weights: [String: Tensor]) throws {
        guard let saved = weights["weight"], let savedBias = weights["bias"] else {
            throw LearnerCheckpoint.Missing(name: "weight")
        }
        guard saved.rank == 2, saved.shape[1] == featureDimension, savedBias.shape == [saved.shape[0]] else {
            throw LearnerCheckpoint.Mismatch(
                name: "weight", detail: "shapes \(saved.shape), \(savedBias.shape) for \(featureDimension) features")
        }
        load(weight: saved, bias: savedBias)
    }
}

/// Cosine classifier: logits_k = T · cos(f(x), w_k), bias-free (TEEN's base session,
/// `forward_metric` with mode "cos"; T = 16 on CIFAR). Normalising both sides makes the
/// logits depend on directions only, which is what the prototypes that later replace the
/// weights provide.
public final class CosineHead: ClassifierHead {
    public private(set) var weight: Variable
    public let temperature: Float
    public let featureDimension: Int

    public init(featureDimension: Int, classes: Int = 0, temperature: Float = 16, generator: inout SeededGenerator) {
        self.featureDimension = featureDimension
        self.temperature = temperature
        weight = Variable(Tensor(shape: [0, featureDimension]), requiresGrad: true)
        grow(to: classes, generator: &generator)
    }

    public var classCount: Int { weight.shape[0] }

    public func logits(_ features: Variable) -> Variable {
        features.l2Normalized().matmul(weight.l2Normalized(), transposeOther: true) * temperature
    }

    public func grow(to count: Int, generator: inout SeededGenerator) {
        guard count > classCount else { return }
        let added = count - classCount
        let newWeights = Initializer.pytorchDefault(
            [added, featureDimension], fanIn: featureDimension, generator: &generator)
        weight = Variable(
            Tensor(shape: [count, featureDimension], scalars: weight.value.scalars + newWeights.scalars),
            requiresGrad: true)
    }

    public var namedVariables: [(name: String, variable: Variable)] { [("weight", weight)] }
}
