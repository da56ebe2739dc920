import CLTensor

/// The CIFAR ResNets of He et al. (2016, section 4.2) as implemented in PyCIL's
/// `convs/cifar_resnet.py` (also TEEN's ResNet-20): a 3×3 stem conv with 16 channels,
/// three stages of n basic blocks with 16, 32 and 64 channels (the first block of stages 2
/// and 3 halves the resolution), global average pooling, 64-d features. Depth 6n + 2:
/// ResNet-20 (n = 3), ResNet-32 (n = 5).
///
/// Shortcuts where the shape changes: option A (PyCIL's default, `DownsampleA`): take
/// every second pixel and append zero channels (no parameters); option B (`DownsampleB`):
/// 1×1 stride-2 conv and batch norm. Convs have no bias and are initialised N(0, 2/(9·out));
/// batch norm starts at scale 1, shift 0. Parameter names match PyCIL's state dict.
public final class CIFARResNet: Backbone {
    /// Option A (parameter-free, the default) or option B (1×1 conv and batch norm).
    public typealias Shortcut = ResidualBasicBlock.Shortcut
    /// The basic block, shared with `ResNet18`.
    public typealias BasicBlock = ResidualBasicBlock

    public let depth: Int
    public let stem: Conv2d
    public let stemNorm: BatchNorm
    public let stages: [[BasicBlock]]
    public let featureDimension = 64

    public var isTraining = true {
        didSet { for norm in batchNorms { norm.isTraining = isTraining } }
    }

    /// - Parameters:
    ///   - depth: 6n + 2 (20, 32, 44, 56, 110).
    ///   - inputChannels: 3 for CIFAR, 1 for MNIST-like inputs.
    public init(depth: Int, inputChannels: Int = 3, shortcut: Shortcut = .a, generator: inout SeededGenerator) {
        precondition((depth - 2) % 6 == 0 && depth >= 8, "CIFAR ResNet depth must be 6n + 2, got \(depth)")
        self.depth = depth
        let blocksPerStage = (depth - 2) / 6
        stem = Conv2d(inputs: inputChannels, outputs: 16, kernel: 3, stride: 1, padding: 1, generator: &generator)
        stemNorm = BatchNorm(channels: 16)
        var built: [[BasicBlock]] = []
        var inputs = 16
        for (stageIndex, width) in [16, 32, 64].enumerated() {
            var blocks: [BasicBlock] = []
            for blockIndex in 0..<blocksPerStage {
                let stride = (stageIndex > 0 && blockIndex == 0) ? 2 : 1
                blocks.append(
                    BasicBlock(
                        inputs: inputs, outputs: width, stride: stride, shortcut: shortcut, generator: &generator))
                inputs = width
            }
            built.append(blocks)
        }
        stages = built
    }

    public static func resnet20(inputChannels: Int = 3, shortcut: Shortcut = .a, generator: inout SeededGenerator)
        -> CIFARResNet
    {
        CIFARResNet(depth: 20, inputChannels: inputChannels, shortcut: shortcut, generator: &generator)
    }

    public static func resnet32(inputChannels: Int = 3, shortcut: Shortcut = .a, generator: inout SeededGenerator)
        -> CIFARResNet
    {
        CIFARResNet(depth: 32, inputChannels: inputChannels, shortcut: shortcut, generator: &generator)
    }

    /// The three stages' outputs and the pooled features (PyCIL's `fmaps` and `features`),
    /// for learners that distil intermediate feature maps.
    public func featureMaps(of input: Variable) -> (maps: [Variable], features: Variable) {
        var x = convolutionBatchNormInference(input, convolution: stem, batchNorm: stemNorm, relu: true)
        var maps: [Variable] = []
        for stage in stages {
            for block in stage { x = block(x) }
            maps.append(x)
        }
        return (maps, x.globalAveragePool())
    }

    public func features(of input: Variable) -> Variable { featureMaps(of: input).features }

    var batchNorms: [BatchNorm] { [stemNorm] + stages.flatMap { $0.flatMap(\.batchNorms) } }

    public var namedVariables: [(name: String, variable: Variable)] {
        var result = prefixed("conv_1_3x3", stem) + prefixed("bn_1", stemNorm)
        for (stageIndex, stage) in stages.enumerated() {
            for (blockIndex, block) in stage.enumerated() {
                result += prefixed("stage_\(stageIndex + 1).\(blockIndex)", block)
            }
        }
        return result
    }
}
