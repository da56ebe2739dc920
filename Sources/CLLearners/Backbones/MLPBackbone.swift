import CLTensor

/// Multilayer perceptron backbone: Linear → ReLU for each width, on flattened inputs.
/// The feature is the last hidden layer's activation (so `featureDimension` is the last
/// width), as in the MLP target networks of the hypernetwork and permuted-MNIST setups.
public final class MLPBackbone: Backbone {
    public let layers: [Linear]
    public let featureDimension: Int
    /// No batch norm or dropout, so the mode changes nothing; kept for the protocol.
    public var isTraining = true

    /// - Parameters:
    ///   - inputs: flattened input length (784 for MNIST).
    ///   - widths: hidden widths, for example [400, 400].
    public init(inputs: Int, widths: [Int], generator: inout SeededGenerator) {
        precondition(!widths.isEmpty, "an MLP backbone needs at least one hidden layer")
        var previous = inputs
        var built: [Linear] = []
        for width in widths {
            built.append(Linear(inputs: previous, outputs: width, generator: &generator))
            previous = width
        }
        layers = built
        featureDimension = previous
    }

    public func features(of input: Variable) -> Variable {
        var x = input.rank == 2 ? input : input.flattened()
        for layer in layers { x = layer(x).relu() }
        return x
    }

    public var namedVariables: [(name: String, variable: Variable)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }
}
