import CLTensor
import Testing

/// The channels-last inference kernels of pretrained backbones, each against a naive loop
/// over NCHW-free index arithmetic in Double. Every comparison is `difference <= tolerance`,
/// which is false for NaN.

/// Deterministic values in [-1, 1).
private func values(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
}

private func maxDifference(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0.0) { Swift.max($0, abs(Double($1.0) - $1.1)) }
}

@Test(arguments: [(1, 4), (2, 8), (2, 7), (3, 5)])
func samePaddingMatchesTensorFlow(stride: Int, input: Int) {
    // TensorFlow: out = ceil(in / s); pad = max((out - 1) s + k - in, 0); before = pad / 2.
    for kernel in [1, 3, 5] {
        let padding = SamePadding(inputSize: input, kernel: kernel, stride: stride)
        let out = (input + stride - 1) / stride
        let total = max((out - 1) * stride + kernel - input, 0)
        #expect(padding.outputSize == out && padding.before == total / 2 && padding.after == total - total / 2)
    }
    #expect(SamePadding(inputSize: 224, kernel: 3, stride: 2) == SamePadding(before: 0, after: 1, outputSize: 112))
    #expect(SamePadding(inputSize: 224, kernel: 5, stride: 2) == SamePadding(before: 1, after: 2, outputSize: 112))
}

extension SamePadding {
    init(before: Int, after: Int, outputSize: Int) {
        self.init(inputSize: 1, kernel: 1, stride: 1)
        self.before = before
        self.after = after
        self.outputSize = outputSize
    }
}

@Test(arguments: [
    (3, 1, 7, 9, 16), (3, 2, 8, 8, 32), (5, 2, 9, 6, 48), (5, 1, 5, 5, 20), (3, 2, 1, 1, 16), (5, 2, 8, 7, 144),
    (3, 1, 6, 6, 100),
])
func depthwiseConvolutionMatchesANaiveLoop(kernel: Int, stride: Int, height: Int, width: Int, channels: Int) {
    let weight = Tensor(shape: [channels, 1, kernel, kernel], scalars: values(channels * kernel * kernel, seed: 1))
    let bias = values(channels, seed: 2).map { $0 * 3 }
    let image = values(height * width * channels, seed: 3).map { $0 * 4 }
    let convolution = DepthwiseConvolution(pytorchWeight: weight, bias: bias, stride: stride)
    let (outHeight, outWidth) = convolution.outputSize(height: height, width: width)
    let vertical = SamePadding(inputSize: height, kernel: kernel, stride: stride)
    let horizontal = SamePadding(inputSize: width, kernel: kernel, stride: stride)
    for relu6 in [false, true] {
        var expected = [Double](repeating: 0, count: outHeight * outWidth * channels)
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for c in 0..<channels {
                    var sum = Double(bias[c])
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let iy = oy * stride - vertical.before + ky, ix = ox * stride - horizontal.before + kx
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            sum +=
                                Double(weight.scalars[(c * kernel + ky) * kernel + kx])
                                * Double(image[(iy * width + ix) * channels + c])
                        }
                    }
                    expected[(oy * outWidth + ox) * channels + c] = relu6 ? min(max(sum, 0), 6) : sum
                }
            }
        }
        var output = [Float](repeating: .nan, count: expected.count)
        image.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                // In two row ranges, as a caller splitting rows across threads would.
                let middle = outHeight / 2
                convolution.apply(
                    x.baseAddress!, height: height, width: width, into: y.baseAddress!,
                    activation: relu6 ? .relu6 : .none, rows: 0..<middle)
                convolution.apply(
                    x.baseAddress!, height: height, width: width, into: y.baseAddress!,
                    activation: relu6 ? .relu6 : .none, rows: middle..<outHeight)
            }
        }
        #expect(maxDifference(output, expected) <= 1e-5, "kernel \(kernel) stride \(stride) relu6 \(relu6)")
    }
}

@Test(arguments: [(1, 3, 5), (37, 16, 24), (49, 192, 1152), (200, 40, 240)])
func pointwiseConvolutionMatchesANaiveLoop(pixels: Int, inputs: Int, outputs: Int) {
    let weight = Tensor(shape: [outputs, inputs, 1, 1], scalars: values(outputs * inputs, seed: 4))
    let bias = values(outputs, seed: 5)
    let input = values(pixels * inputs, seed: 6).map { $0 * 3 }
    let residual = values(pixels * outputs, seed: 7)
    let convolution = PointwiseConvolution(pytorchWeight: weight, bias: bias)
    for (useResidual, relu6) in [(false, false), (false, true), (true, false)] {
        var expected = [Double](repeating: 0, count: pixels * outputs)
        for p in 0..<pixels {
            for o in 0..<outputs {
                var sum = Double(bias[o]) + (useResidual ? Double(residual[p * outputs + o]) : 0)
                for c in 0..<inputs { sum += Double(weight.scalars[o * inputs + c]) * Double(input[p * inputs + c]) }
                expected[p * outputs + o] = relu6 ? min(max(sum, 0), 6) : sum
            }
        }
        var output = [Float](repeating: .nan, count: expected.count)
        input.withUnsafeBufferPointer { x in
            residual.withUnsafeBufferPointer { r in
                output.withUnsafeMutableBufferPointer { y in
                    convolution.apply(
                        x.baseAddress!, pixels: pixels, into: y.baseAddress!,
                        residual: useResidual ? r.baseAddress! : nil,
                        activation: relu6 ? .relu6 : .none)
                }
            }
        }
        #expect(
            maxDifference(output, expected) <= 1e-4 * Double(inputs).squareRoot(),
            "residual \(useResidual) relu6 \(relu6)")
    }
}

@Test(arguments: [(3, 2, 10, 12, 3, 8), (3, 2, 9, 9, 3, 32), (5, 1, 6, 7, 2, 4)])
func channelsLastConvolutionMatchesANaiveLoop(
    kernel: Int, stride: Int, height: Int, width: Int, inputs: Int, outputs: Int
) {
    let weight = Tensor(
        shape: [outputs, inputs, kernel, kernel], scalars: values(outputs * inputs * kernel * kernel, seed: 8))
    let bias = values(outputs, seed: 9)
    let image = values(height * width * inputs, seed: 10).map { $0 * 2 }
    let convolution = ChannelsLastConvolution(pytorchWeight: weight, bias: bias, stride: stride)
    let (outHeight, outWidth) = convolution.outputSize(height: height, width: width)
    let vertical = SamePadding(inputSize: height, kernel: kernel, stride: stride)
    let horizontal = SamePadding(inputSize: width, kernel: kernel, stride: stride)
    var expected = [Double](repeating: 0, count: outHeight * outWidth * outputs)
    for oy in 0..<outHeight {
        for ox in 0..<outWidth {
            for o in 0..<outputs {
                var sum = Double(bias[o])
                for c in 0..<inputs {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let iy = oy * stride - vertical.before + ky, ix = ox * stride - horizontal.before + kx
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            sum +=
                                Double(weight.scalars[((o * inputs + c) * kernel + ky) * kernel + kx])
                                * Double(image[(iy * width + ix) * inputs + c])
                        }
                    }
                }
                expected[(oy * outWidth + ox) * outputs + o] = min(max(sum, 0), 6)
            }
        }
    }
    var output = [Float](repeating: .nan, count: expected.count)
    var scratch = [Float](repeating: .nan, count: convolution.scratchSize(height: height, width: width))
    image.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            scratch.withUnsafeMutableBufferPointer { s in
                convolution.apply(
                    x.baseAddress!, height: height, width: width, into: y.baseAddress!, scratch: s.baseAddress!,
                    activation: .relu6)
            }
        }
    }
    #expect(maxDifference(output, expected) <= 1e-5)
}

@Test(arguments: [(3, 4, 4, 9, 7), (1, 5, 3, 8, 8), (3, 32, 32, 224, 224), (3, 6, 6, 6, 6)])
func bilinearResizeMatchesPyTorchsFormula(channels: Int, height: Int, width: Int, outHeight: Int, outWidth: Int) {
    let image = values(channels * height * width, seed: 11)
    let (scale, offset): (Float, Float) = (255.0 / 128.0, -127.0 / 128.0)
    // F.interpolate(bilinear, align_corners=False): source = max((i + 0.5) in/out - 0.5, 0).
    func taps(_ i: Int, _ n: Int, _ out: Int) -> (Int, Int, Double) {
        let source = max((Double(i) + 0.5) * Double(n) / Double(out) - 0.5, 0)
        let lower = min(Int(source.rounded(.down)), n - 1)
        return (lower, min(lower + 1, n - 1), source - Double(lower))
    }
    var expected = [Double](repeating: 0, count: outHeight * outWidth * 3)
    for oy in 0..<outHeight {
        let (y0, y1, wy) = taps(oy, height, outHeight)
        for ox in 0..<outWidth {
            let (x0, x1, wx) = taps(ox, width, outWidth)
            for c in 0..<3 {
                let plane = (channels == 1 ? 0 : c) * height * width
                func v(_ y: Int, _ x: Int) -> Double { Double(image[plane + y * width + x]) }
                let value =
                    (1 - wy) * ((1 - wx) * v(y0, x0) + wx * v(y0, x1)) + wy * ((1 - wx) * v(y1, x0) + wx * v(y1, x1))
                expected[(oy * outWidth + ox) * 3 + c] = value * Double(scale) + Double(offset)
            }
        }
    }
    var output = [Float](repeating: .nan, count: expected.count)
    image.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            BilinearResize.resize(
                x.baseAddress!, channels: channels, height: height, width: width, into: y.baseAddress!,
                outHeight: outHeight, outWidth: outWidth, outputChannels: 3, scale: scale, offset: offset)
        }
    }
    // Float32 source positions (as PyTorch computes them) against Double ones: ~1e-5.
    #expect(maxDifference(output, expected) <= 5e-5)
}
