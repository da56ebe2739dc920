import CConvolutionKernels

/// A depthwise convolution (one K x K filter per channel) with a bias and an optional
/// ReLU6, on one channels-last image [H][W][C], with TensorFlow "same" padding: the
/// inference kernel of MobileNet-style blocks.
///
/// Why channels-last: every tap then multiplies two contiguous channel vectors, which the
/// C kernel (`cl_depthwise_forward`) vectorises at the CPU's full width; in NCHW a stride-2
/// depthwise layer reads every other element of each row.
public struct DepthwiseConvolution: Sendable {
    public let channels: Int
    public let kernel: Int
    public let stride: Int
    /// Weights [K][K][C] (tap-major).
    public let weights: [Float]
    /// Bias [C].
    public let bias: [Float]

    /// Wraps weights in PyTorch's layout [C, 1, K, K] (a `groups = C` Conv2d) and a bias [C].
    public init(pytorchWeight: Tensor, bias: [Float], stride: Int) {
        precondition(
            pytorchWeight.rank == 4 && pytorchWeight.shape[1] == 1 && pytorchWeight.shape[2] == pytorchWeight.shape[3],
            "depthwise weights are [C, 1, K, K], got \(pytorchWeight.shape)")
        let c = pytorchWeight.shape[0], k = pytorchWeight.shape[2]
        precondition(bias.count == c, "depthwise bias has \(bias.count) values for \(c) channels")
        var packed = [Float](repeating: 0, count: k * k * c)
        for channel in 0..<c {
            for tap in 0..<(k * k) { packed[tap * c + channel] = pytorchWeight.scalars[channel * k * k + tap] }
        }
        self.channels = c
        self.kernel = k
        self.stride = stride
        self.weights = packed
        self.bias = bias
    }

    /// Output height and width for an input of `height` x `width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (
            SamePadding(inputSize: height, kernel: kernel, stride: stride).outputSize,
            SamePadding(inputSize: width, kernel: kernel, stride: stride).outputSize
        )
    }

    /// Computes output rows `rows` of the image at `input` ([height][width][channels]) into
    /// `output` ([outHeight][outWidth][channels]); callers split rows across threads.
    public func apply(
        _ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
        activation: InferenceActivation, rows: Range<Int>? = nil
    ) {
        let vertical = SamePadding(inputSize: height, kernel: kernel, stride: stride)
        let horizontal = SamePadding(inputSize: width, kernel: kernel, stride: stride)
        let rows = rows ?? 0..<vertical.outputSize
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                cl_depthwise_forward(
                    input, Int32(height), Int32(width), Int32(channels), w.baseAddress, b.baseAddress,
                    Int32(kernel), Int32(stride), Int32(vertical.before), Int32(horizontal.before),
                    output, Int32(vertical.outputSize), Int32(horizontal.outputSize),
                    activation == .relu6 ? 1 : 0, Int32(rows.lowerBound), Int32(rows.upperBound))
            }
        }
    }

    /// The vector instruction set the kernel runs with on this CPU (for benchmark reports).
    public static var instructionSet: String { String(cString: cl_depthwise_instruction_set()) }
}
