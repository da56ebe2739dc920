/// A dense K x K convolution with a bias and an optional ReLU6 on one channels-last image
/// [H][W][Cin] → [OH][OW][Cout], TensorFlow "same" padding, by im2col and one GEMM.
///
/// Used for the stem of pretrained EfficientNet-Lite (3 input channels, 3 x 3, stride 2),
/// where im2col is small (27 values per output pixel) and the GEMM is the whole cost.
public struct ChannelsLastConvolution: Sendable {
    public let inputs: Int
    public let outputs: Int
    public let kernel: Int
    public let stride: Int
    /// Weights [Cout][K][K][Cin], the order of an im2col row.
    public let weights: [Float]
    public let bias: [Float]

    /// Wraps weights in PyTorch's layout [Cout, Cin, K, K] and a bias [Cout].
    public init(pytorchWeight: Tensor, bias: [Float], stride: Int) {
        precondition(
            pytorchWeight.rank == 4 && pytorchWeight.shape[2] == pytorchWeight.shape[3],
            "convolution weights are [Cout, Cin, K, K], got \(pytorchWeight.shape)")
        let o = pytorchWeight.shape[0], c = pytorchWeight.shape[1], k = pytorchWeight.shape[2]
        precondition(bias.count == o, "convolution bias has \(bias.count) values for \(o) outputs")
        var packed = [Float](repeating: 0, count: o * k * k * c)
        for out in 0..<o {
            for channel in 0..<c {
                for tap in 0..<(k * k) {
                    packed[(out * k * k + tap) * c + channel] = pytorchWeight.scalars[(out * c + channel) * k * k + tap]
                }
            }
        }
        inputs = c
        outputs = o
        kernel = k
        self.stride = stride
        weights = packed
        self.bias = bias
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (
            SamePadding(inputSize: height, kernel: kernel, stride: stride).outputSize,
            SamePadding(inputSize: width, kernel: kernel, stride: stride).outputSize
        )
    }

    /// Floats of scratch `apply` needs for an input of `height` x `width`.
    public func scratchSize(height: Int, width: Int) -> Int {
        let size = outputSize(height: height, width: width)
        return size.height * size.width * kernel * kernel * inputs
    }

    /// Convolves the image at `input`; `scratch` holds `scratchSize` floats.
    public func apply(
        _ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, activation: InferenceActivation
    ) {
        let vertical = SamePadding(inputSize: height, kernel: kernel, stride: stride)
        let horizontal = SamePadding(inputSize: width, kernel: kernel, stride: stride)
        let (outHeight, outWidth) = (vertical.outputSize, horizontal.outputSize)
        let rowLength = kernel &* kernel &* inputs
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                let row = scratch + (oy &* outWidth &+ ox) &* rowLength
                var position = 0
                for ky in 0..<kernel {
                    let iy = oy &* stride &- vertical.before &+ ky
                    for kx in 0..<kernel {
                        let ix = ox &* stride &- horizontal.before &+ kx
                        if iy >= 0 && iy < height && ix >= 0 && ix < width {
                            let source = input + (iy &* width &+ ix) &* inputs
                            for c in 0..<inputs { row[position &+ c] = source[c] }
                        } else {
                            for c in 0..<inputs { row[position &+ c] = 0 }
                        }
                        position &+= inputs
                    }
                }
            }
        }
        let pixels = outHeight * outWidth
        bias.withUnsafeBufferPointer { b in
            for p in 0..<pixels { (output + p &* outputs).update(from: b.baseAddress!, count: outputs) }
        }
        weights.withUnsafeBufferPointer { w in
            sgemm(
                transposeA: false, transposeB: true, m: pixels, n: outputs, k: rowLength,
                a: scratch, lda: rowLength, b: w.baseAddress!, ldb: rowLength, beta: 1, c: output, ldc: outputs)
        }
        if activation == .relu6 { clampReLU6(output, count: pixels &* outputs) }
    }
}
