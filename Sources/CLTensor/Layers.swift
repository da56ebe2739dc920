/// A layer owns named variables: trainable parameters and non-trainable buffers (such as
/// batch-norm running statistics). Names are stable, dotted paths ("stage1.0.bn_a.weight"),
/// so that weights can be saved as a dictionary and loaded back.
public protocol Layer: AnyObject {
    /// Parameters (requiresGrad) and buffers, each with its name.
    var namedVariables: [(name: String, variable: Variable)] { get }
}

/// Why loading a weight dictionary failed.
public enum StateError: Error, Equatable, CustomStringConvertible {
    case missing(name: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case unexpected(name: String)

    public var description: String {
        switch self {
        case .missing(let name): return "weights: no tensor named '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            return "weights: '\(name)' has shape \(found), expected \(expected)"
        case .unexpected(let name): return "weights: unexpected tensor '\(name)'"
        }
    }
}

extension Layer {
    /// The trainable variables, in a stable order (for optimisers).
    public var parameters: [Variable] { namedVariables.map(\.variable).filter(\.requiresGrad) }

    /// Every parameter and buffer by name.
    public func stateDictionary() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedVariables.map { ($0.name, $0.variable.value) })
    }

    /// Replaces every parameter and buffer from `state`; all names must be present with the
    /// same shapes and no other names may appear, so a wrong file fails loudly.
    public func loadStateDictionary(_ state: [String: Tensor]) throws {
        let entries = namedVariables
        let known = Set(entries.map(\.name))
        if let extra = state.keys.sorted().first(where: { !known.contains($0) }) {
            throw StateError.unexpected(name: extra)
        }
        for (name, variable) in entries {
            guard let tensor = state[name] else { throw StateError.missing(name: name) }
            guard tensor.shape == variable.shape else {
                throw StateError.shapeMismatch(name: name, expected: variable.shape, found: tensor.shape)
            }
        }
        for (name, variable) in entries { variable.value = state[name]! }
    }
}

/// Prefixes every name of `layer` with "prefix.".
public func prefixed(_ prefix: String, _ layer: Layer) -> [(name: String, variable: Variable)] {
    layer.namedVariables.map { (prefix + "." + $0.name, $0.variable) }
}

/// Fully connected layer x·Wᵀ + b, W [out, in], PyTorch's default initialisation.
public final class Linear: Layer {
    public let weight: Variable
    public let bias: Variable?

    public init(inputs: Int, outputs: Int, bias: Bool = true, generator: inout SeededGenerator) {
        weight = Variable(
            Initializer.pytorchDefault([outputs, inputs], fanIn: inputs, generator: &generator), requiresGrad: true)
        self.bias =
            bias
            ? Variable(Initializer.pytorchDefault([outputs], fanIn: inputs, generator: &generator), requiresGrad: true)
            : nil
    }

    public func callAsFunction(_ input: Variable) -> Variable { linear(input, weight: weight, bias: bias) }

    public var namedVariables: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// 2-D convolution layer, weight [out, in, k, k]. Default initialisation is He-normal on
/// fan-out (the CIFAR ResNets' N(0, 2/(k²·out))).
public final class Conv2d: Layer {
    public let weight: Variable
    public let bias: Variable?
    public let stride: Int, padding: Int

    public init(
        inputs: Int, outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false,
        generator: inout SeededGenerator
    ) {
        weight = Variable(
            Initializer.kaimingNormal([outputs, inputs, kernel, kernel], mode: .fanOut, generator: &generator),
            requiresGrad: true)
        self.bias = bias ? Variable(Tensor(shape: [outputs]), requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public var namedVariables: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// Batch normalisation over axis 1 with learned scale ("weight", 1) and shift ("bias", 0),
/// and running statistics; `isTraining` chooses batch or running statistics.
public final class BatchNorm: Layer {
    public let scale: Variable
    public let shift: Variable
    public let statistics: BatchNormStatistics
    public var isTraining = true
    public var epsilon: Float

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        scale = Variable(Tensor(shape: [channels], repeating: 1), requiresGrad: true)
        shift = Variable(Tensor(shape: [channels], repeating: 0), requiresGrad: true)
        statistics = BatchNormStatistics(channels: channels, momentum: momentum)
        self.epsilon = epsilon
    }

    public func callAsFunction(_ input: Variable, activation: BatchNormActivation = .none) -> Variable {
        batchNorm(
            input, scale: scale, shift: shift, statistics: statistics, training: isTraining, epsilon: epsilon,
            activation: activation)
    }

    /// PyTorch's names, so that state dictionaries line up with torch checkpoints.
    public var namedVariables: [(name: String, variable: Variable)] {
        [("weight", scale), ("bias", shift), ("running_mean", statistics.mean), ("running_var", statistics.variance)]
    }
}
