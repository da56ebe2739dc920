/// A 1 x 1 convolution with a bias, an optional residual and an optional ReLU6, on
/// channels-last pixels [P][Cin] → [P][Cout]: one GEMM, P x Cout x Cin.
///
/// Why channels-last: the pixels of an image are then the rows of a matrix and the
/// convolution is exactly `pixels · Wᵀ` with PyTorch's weight [Cout, Cin] used as stored.
/// The bias (and residual) are written into the output first and the GEMM adds onto them
/// (beta = 1), so only the ReLU6 needs a second pass over the output.
public struct PointwiseConvolution: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// Weights [Cout, Cin] (PyTorch's [Cout, Cin, 1, 1] without the unit axes).
    public let weights: [Float]
    /// Bias [Cout].
    public let bias: [Float]

    public init(pytorchWeight: Tensor, bias: [Float]) {
        precondition(
            pytorchWeight.rank == 4 && pytorchWeight.shape[2] == 1 && pytorchWeight.shape[3] == 1,
            "pointwise weights are [Cout, Cin, 1, 1], got \(pytorchWeight.shape)")
        precondition(
            bias.count == pytorchWeight.shape[0],
            "pointwise bias has \(bias.count) values for \(pytorchWeight.shape[0]) outputs")
        outputs = pytorchWeight.shape[0]
        inputs = pytorchWeight.shape[1]
        weights = pytorchWeight.scalars
        self.bias = bias
    }

    /// output[p][o] = act(bias[o] + residual[p][o] + Σ_c input[p][c] · W[o][c]) for `pixels` pixels.
    /// `residual` may not alias `output`.
    public func apply(
        _ input: UnsafePointer<Float>, pixels: Int, into output: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>? = nil, activation: InferenceActivation
    ) {
        bias.withUnsafeBufferPointer { b in
            for p in 0..<pixels {
                let row = output + p &* outputs
                if let residual {
                    let r = residual + p &* outputs
                    for o in 0..<outputs { row[o] = b[o] + r[o] }
                } else {
                    row.update(from: b.baseAddress!, count: outputs)
                }
            }
        }
        weights.withUnsafeBufferPointer { w in
            sgemm(
                transposeA: false, transposeB: true, m: pixels, n: outputs, k: inputs,
                a: input, lda: inputs, b: w.baseAddress!, ldb: inputs, beta: 1, c: output, ldc: outputs)
        }
        if activation == .relu6 { clampReLU6(output, count: pixels &* outputs) }
    }
}

/// min(max(x, 0), 6) in place.
@inline(__always)
func clampReLU6(_ values: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i < count {
        values[i] = Swift.min(Swift.max(values[i], 0), 6)
        i &+= 1
    }
}
