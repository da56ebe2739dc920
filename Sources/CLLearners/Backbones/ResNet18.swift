import CLTensor

/// The CIFAR ResNet-18: the backbone of PRD's and NAPA-VQ's published numbers and of the
/// online continual-learning literature (ER, OnPro), which the 64-d ResNet-20/32 cannot
/// stand in for when a paper's table is the target.
///
/// As PRD's `models/resnet.py` (naderAsadi/Probing-Continual-Learning) builds it: a 3×3
/// stride-1 stem conv with `width` (nf) channels, batch norm and relu, no max-pool (the
/// input is 32×32); four stages of two basic blocks with nf, 2nf, 4nf, 8nf channels and
/// strides 1, 2, 2, 2; a 1×1 conv + batch norm shortcut where the shape changes (option B);
/// global average pooling; 8nf-d features (512 for nf = 64). nf = 20 is the "reduced"
/// ResNet-18 of GEM, MIR, Mammoth (`reduced_resnet18`) and the online-CL tables: the same
/// kind with `backbone: { kind: resnet18, width: 20 }`.
///
/// Initialisation: convs He normal on fan-out, N(0, 2/(k²·out)), batch norm scale 1 and
/// shift 0, no zero-initialised last norm: PRD's code (`kaiming_normal_(mode="fan_out")`)
/// and NAPA-VQ's (`normal_(0, sqrt(2/n))`, n = k²·out) do exactly this. Mammoth's ResNet-18
/// (and so its reduced one) keeps PyTorch's default conv initialisation instead (uniform,
/// bound 1/√fan_in); cl-bench uses He normal for every width.
///
/// NAPA-VQ's `resnet18_cbam` creates channel and spatial attention modules in each block
/// and a max-pool, but its forward passes never call them: the computation is this
/// network, and its state dict has those extra unused tensors and names the shortcut
/// `downsample.0/.1`. Parameter names here follow PRD's and Mammoth's state dicts
/// (`conv1`, `bn1`, `layer1.0.conv1`, ..., `layer2.0.shortcut.0`).
public final class ResNet18: Backbone {
    /// nf, the first stage's channel count (64 for the full network, 20 for the reduced).
    public let width: Int
    public let stem: Conv2d
    public let stemNorm: BatchNorm
    /// Four stages (PyTorch's layer1 ... layer4) of two blocks each.
    public let stages: [[ResidualBasicBlock]]
    public let featureDimension: Int

    /// nf of the full ResNet-18.
    public static let defaultWidth = 64

    public var isTraining = true {
        didSet { for norm in batchNorms { norm.isTraining = isTraining } }
    }

    /// - Parameters:
    ///   - width: nf, at least 1.
    ///   - inputChannels: 3 for CIFAR, 1 for MNIST-like inputs.
    public init(width: Int = ResNet18.defaultWidth, inputChannels: Int = 3, generator: inout SeededGenerator) {
        precondition(width >= 1, "ResNet-18 width must be positive, got \(width)")
        self.width = width
        featureDimension = 8 * width
        stem = Conv2d(inputs: inputChannels, outputs: width, kernel: 3, stride: 1, padding: 1, generator: &generator)
        stemNorm = BatchNorm(channels: width)
        var built: [[ResidualBasicBlock]] = []
        var inputs = width
        for (stageIndex, stageWidth) in [width, 2 * width, 4 * width, 8 * width].enumerated() {
            var blocks: [ResidualBasicBlock] = []
            for blockIndex in 0..<2 {
                let stride = (stageIndex > 0 && blockIndex == 0) ? 2 : 1
                blocks.append(
                    ResidualBasicBlock(
                        inputs: inputs, outputs: stageWidth, stride: stride, shortcut: .b,
                        naming: .resnet18, generator: &generator))
                inputs = stageWidth
            }
            built.append(blocks)
        }
        stages = built
    }

    public func features(of input: Variable) -> Variable {
        var x = convolutionBatchNormInference(input, convolution: stem, batchNorm: stemNorm, relu: true)
        for stage in stages {
            for block in stage { x = block(x) }
        }
        return x.globalAveragePool()
    }

    var batchNorms: [BatchNorm] { [stemNorm] + stages.flatMap { $0.flatMap(\.batchNorms) } }

    public var namedVariables: [(name: String, variable: Variable)] {
        var result = prefixed("conv1", stem) + prefixed("bn1", stemNorm)
        for (stageIndex, stage) in stages.enumerated() {
            for (blockIndex, block) in stage.enumerated() {
                result += prefixed("layer\(stageIndex + 1).\(blockIndex)", block)
            }
        }
        return result
    }
}
