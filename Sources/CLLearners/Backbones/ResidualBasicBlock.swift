import CLTensor

/// The basic residual block of He et al. (2016): conv3×3-bn-relu-conv3×3-bn, plus the
/// shortcut, then relu. Shared by the CIFAR ResNets (`CIFARResNet`, PyCIL's ResNet-20/32)
/// and the CIFAR ResNet-18 (`ResNet18`), whose blocks are the same computation and differ
/// only in the shortcut where the shape changes and in their state-dict names.
///
/// Convs have no bias and start from cl-bench's `Conv2d` default N(0, 2/(k²·out)) (He
/// normal on fan-out), which is what PyCIL, PRD's and NAPA-VQ's codes use; batch norm
/// starts at scale 1, shift 0.
public final class ResidualBasicBlock: Layer {
    /// What the shortcut does where the block changes the resolution or the width.
    public enum Shortcut: String, Sendable {
        /// Take every second pixel and append zero channels, no parameters (PyCIL's
        /// `DownsampleA`, the default of the CIFAR ResNets).
        case a
        /// A 1×1 strided conv and batch norm (PyCIL's `DownsampleB`, and every ResNet-18).
        case b
    }

    /// The parameter names in the state dictionary, so that weights written by cl-bench
    /// load by name into the reference code's model (and back).
    public enum Naming: Sendable {
        /// PyCIL's `convs/cifar_resnet.py`: conv_a, bn_a, conv_b, bn_b, downsample.conv/.bn.
        case pycil
        /// The ResNet-18 of PRD's `models/resnet.py` and Mammoth's `backbone/ResNetBlock.py`:
        /// conv1, bn1, conv2, bn2, shortcut.0 (conv) and shortcut.1 (bn).
        case resnet18
    }

    let convA: Conv2d, bnA: BatchNorm, convB: Conv2d, bnB: BatchNorm
    /// Option-B projection (nil for identity or option A).
    let projection: (conv: Conv2d, bn: BatchNorm)?
    let downsamplesByPadding: Bool
    let outputs: Int
    let naming: Naming

    /// Draws convA, convB, then the projection's conv from `generator` (the order fixes the
    /// initial weights of every existing CIFAR ResNet result: keep it).
    init(
        inputs: Int, outputs: Int, stride: Int, shortcut: Shortcut, naming: Naming = .pycil,
        generator: inout SeededGenerator
    ) {
        convA = Conv2d(inputs: inputs, outputs: outputs, kernel: 3, stride: stride, padding: 1, generator: &generator)
        bnA = BatchNorm(channels: outputs)
        convB = Conv2d(inputs: outputs, outputs: outputs, kernel: 3, stride: 1, padding: 1, generator: &generator)
        bnB = BatchNorm(channels: outputs)
        let changes = stride != 1 || inputs != outputs
        if changes && shortcut == .b {
            projection = (
                Conv2d(inputs: inputs, outputs: outputs, kernel: 1, stride: stride, generator: &generator),
                BatchNorm(channels: outputs)
            )
        } else {
            projection = nil
        }
        downsamplesByPadding = changes && shortcut == .a
        self.outputs = outputs
        self.naming = naming
    }

    /// relu(shortcut(x) + bn_b(conv_b(relu(bn_a(conv_a(x)))))); in inference each
    /// conv-bn(-add)-relu is one fused pass (`convolutionBatchNormInference`).
    func callAsFunction(_ x: Variable) -> Variable {
        let hidden = convolutionBatchNormInference(x, convolution: convA, batchNorm: bnA, relu: true)
        let residual: Variable
        if let projection {
            residual = convolutionBatchNormInference(
                x, convolution: projection.conv, batchNorm: projection.bn,
                relu: false)
        } else if downsamplesByPadding {
            residual = x.subsampledWithZeroChannels(outputChannels: outputs)
        } else {
            residual = x
        }
        return convolutionBatchNormInference(hidden, convolution: convB, batchNorm: bnB, residual: residual, relu: true)
    }

    var batchNorms: [BatchNorm] { [bnA, bnB] + (projection.map { [$0.bn] } ?? []) }

    public var namedVariables: [(name: String, variable: Variable)] {
        let names =
            switch naming {
            case .pycil:
                (
                    convA: "conv_a", bnA: "bn_a", convB: "conv_b", bnB: "bn_b",
                    shortcutConv: "downsample.conv", shortcutNorm: "downsample.bn"
                )
            case .resnet18:
                (
                    convA: "conv1", bnA: "bn1", convB: "conv2", bnB: "bn2",
                    shortcutConv: "shortcut.0", shortcutNorm: "shortcut.1"
                )
            }
        var result =
            prefixed(names.convA, convA) + prefixed(names.bnA, bnA)
            + prefixed(names.convB, convB) + prefixed(names.bnB, bnB)
        if let projection {
            result += prefixed(names.shortcutConv, projection.conv) + prefixed(names.shortcutNorm, projection.bn)
        }
        return result
    }
}
