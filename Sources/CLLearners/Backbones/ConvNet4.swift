import CLTensor

/// The four-block convolutional backbone of few-shot learning ("Conv-4": Vinyals et al.
/// 2016, Snell et al. 2017) for small images such as 28×28 MNIST: four times
/// conv 3×3 (padding 1) → batch norm → ReLU → 2×2 max pooling. On 28×28 inputs the maps
/// shrink 28 → 14 → 7 → 3 → 1, so the feature is the last block's channels (64 by default).
public final class ConvNet4: Backbone {
    public let convolutions: [Conv2d]
    public let norms: [BatchNorm]
    public let featureDimension: Int
    private let inputSize: Int

    public var isTraining = true {
        didSet { for norm in norms { norm.isTraining = isTraining } }
    }

    public init(inputChannels: Int = 1, hiddenChannels: Int = 64, inputSize: Int = 28, generator: inout SeededGenerator)
    {
        var convolutions: [Conv2d] = []
        var norms: [BatchNorm] = []
        var inputs = inputChannels
        for _ in 0..<4 {
            convolutions.append(
                Conv2d(inputs: inputs, outputs: hiddenChannels, kernel: 3, padding: 1, generator: &generator))
            norms.append(BatchNorm(channels: hiddenChannels))
            inputs = hiddenChannels
        }
        self.convolutions = convolutions
        self.norms = norms
        var size = inputSize
        for _ in 0..<4 { size /= 2 }
        precondition(size >= 1, "ConvNet4 needs inputs of at least 16×16, got \(inputSize)")
        featureDimension = hiddenChannels * size * size
        self.inputSize = inputSize
    }

    public func features(of input: Variable) -> Variable {
        var x = input
        for (conv, norm) in zip(convolutions, norms) {
            x = convolutionBatchNormInference(x, convolution: conv, batchNorm: norm, relu: true).maxPool2d(kernel: 2)
        }
        return x.flattened()
    }

    public var namedVariables: [(name: String, variable: Variable)] {
        var result: [(name: String, variable: Variable)] = []
        for index in 0..<4 {
            result +=
                prefixed("blocks.\(index).conv", convolutions[index]) + prefixed("blocks.\(index).bn", norms[index])
        }
        return result
    }
}
