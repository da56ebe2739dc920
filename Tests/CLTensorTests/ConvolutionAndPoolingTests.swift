import Testing
@testable import CLTensor

/// Direct seven-loop convolution, the reference for the im2col + GEMM kernel.
func naiveConvolution(_ x: Tensor, _ w: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding - kh) / stride + 1, ow = (width + 2 * padding - kw) / stride + 1
    var out = Tensor(shape: [n, o, oh, ow])
    for b in 0..<n {
        for f in 0..<o {
            for i in 0..<oh {
                for j in 0..<ow {
                    var total: Float = bias?.scalars[f] ?? 0
                    for ch in 0..<c {
                        for ki in 0..<kh {
                            for kj in 0..<kw {
                                let y = i * stride - padding + ki, xx = j * stride - padding + kj
                                if y >= 0 && y < h && xx >= 0 && xx < width {
                                    total +=
                                        x.scalars[((b * c + ch) * h + y) * width + xx]
                                        * w.scalars[((f * c + ch) * kh + ki) * kw + kj]
                                }
                            }
                        }
                    }
                    out.scalars[((b * o + f) * oh + i) * ow + j] = total
                }
            }
        }
    }
    return out
}

/// dX and dW of L = Σ conv(x, w) ⊙ R for a 3×3 convolution with padding 1 (R has the
/// output's shape), by the defining sums in Double: the reference for the direct kernels.
func naiveConvolutionGradients(_ x: Tensor, _ w: Tensor, _ r: Tensor, stride: Int) -> (dx: Tensor, dw: Tensor) {
    let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, oh, ow) = (w.shape[0], r.shape[2], r.shape[3])
    var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
    for b in 0..<n {
        for f in 0..<o {
            for y in 0..<oh {
                for xx in 0..<ow {
                    let g = Double(r.scalars[((b * o + f) * oh + y) * ow + xx])
                    for ch in 0..<c {
                        for ki in 0..<3 {
                            for kj in 0..<3 {
                                let (iy, ix) = (y * stride + ki - 1, xx * stride + kj - 1)
                                guard iy >= 0 && iy < h && ix >= 0 && ix < width else { continue }
                                let xi = ((b * c + ch) * h + iy) * width + ix, wi = ((f * c + ch) * 3 + ki) * 3 + kj
                                dw[wi] += g * Double(x.scalars[xi])
                                dx[xi] += g * Double(w.scalars[wi])
                            }
                        }
                    }
                }
            }
        }
    }
    return (
        Tensor(shape: x.shape, scalars: dx.map { Float($0) }), Tensor(shape: w.shape, scalars: dw.map { Float($0) })
    )
}

/// Direct pooling reference; `maximum` chooses max pooling, otherwise average with padding counted.
func naivePool(_ x: Tensor, kernel: Int, stride: Int, padding: Int, maximum: Bool) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1
    var out = Tensor(shape: [n, c, oh, ow])
    for p in 0..<(n * c) {
        for i in 0..<oh {
            for j in 0..<ow {
                var best = -Float.infinity, total: Float = 0
                for ki in 0..<kernel {
                    for kj in 0..<kernel {
                        let y = i * stride - padding + ki, xx = j * stride - padding + kj
                        if y >= 0 && y < h && xx >= 0 && xx < w {
                            let v = x.scalars[(p * h + y) * w + xx]
                            best = Swift.max(best, v); total += v
                        }
                    }
                }
                out.scalars[(p * oh + i) * ow + j] = maximum ? best : total / Float(kernel * kernel)
            }
        }
    }
    return out
}

@Suite struct ConvolutionTests {
    /// (input shape, output channels, kernel, stride, padding)
    static let cases: [([Int], Int, Int, Int, Int)] = [
        ([2, 3, 5, 5], 4, 3, 1, 1), ([1, 2, 6, 7], 3, 3, 2, 1), ([2, 2, 5, 4], 2, 1, 1, 0),
        ([1, 3, 6, 6], 2, 1, 2, 0), ([1, 1, 7, 7], 2, 5, 2, 2), ([2, 2, 4, 4], 3, 2, 1, 0),
        ([1, 2, 5, 5], 2, 3, 3, 0), ([1, 2, 4, 6], 3, 5, 1, 2),
        // Same-size 3×3 layers with 8–16 channels, odd widths and tiny images.
        ([2, 8, 6, 4], 9, 3, 1, 1), ([1, 16, 4, 8], 8, 3, 1, 1), ([1, 8, 4, 18], 8, 3, 1, 1),
        ([3, 9, 2, 2], 3, 3, 1, 1), ([2, 3, 6, 3], 2, 3, 1, 1), ([1, 2, 2, 2], 2, 3, 1, 1),
    ]

    @Test(arguments: 0..<cases.count) func forwardMatchesNaiveLoops(caseIndex: Int) {
        let (shape, outputs, kernel, stride, padding) = Self.cases[caseIndex]
        let x = randomTensor(shape, seed: 40), w = randomTensor([outputs, shape[1], kernel, kernel], seed: 41)
        let b = randomTensor([outputs], seed: 42)
        let fast = conv2d(Variable(x), weight: Variable(w), bias: Variable(b), stride: stride, padding: padding).value
        expectClose(fast, naiveConvolution(x, w, bias: b, stride: stride, padding: padding), tolerance: 1e-5)
    }

    @Test(arguments: 0..<cases.count) func gradientsMatchFiniteDifferences(caseIndex: Int) {
        let (shape, outputs, kernel, stride, padding) = Self.cases[caseIndex]
        let x = randomTensor(shape, seed: 43), w = randomTensor([outputs, shape[1], kernel, kernel], seed: 44)
        expectGradientsMatch([x, w, randomTensor([outputs], seed: 45)]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
        }
    }
}

@Suite struct PoolingTests {
    static let cases: [(kernel: Int, stride: Int, padding: Int)] = [
        (2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (1, 2, 0),
    ]

    @Test(arguments: 0..<cases.count) func maxAndAverageMatchNaiveLoops(caseIndex: Int) {
        let (kernel, stride, padding) = Self.cases[caseIndex]
        let x = randomTensor([2, 3, 6, 5], seed: 50)
        expectClose(
            Variable(x).maxPool2d(kernel: kernel, stride: stride, padding: padding).value,
            naivePool(x, kernel: kernel, stride: stride, padding: padding, maximum: true))
        expectClose(
            Variable(x).averagePool2d(kernel: kernel, stride: stride, padding: padding).value,
            naivePool(x, kernel: kernel, stride: stride, padding: padding, maximum: false))
        // Distinct values 0.05 apart, so that no finite-difference step changes a window's winner.
        var generator = SeededGenerator(seed: 52)
        let separated = Tensor(shape: x.shape, scalars: generator.permutation(x.count).map { Float($0) * 0.05 })
        expectGradientsMatch([separated]) { $0[0].maxPool2d(kernel: kernel, stride: stride, padding: padding) }
        expectGradientsMatch([x]) { $0[0].averagePool2d(kernel: kernel, stride: stride, padding: padding) }
    }

    /// Enough planes (4 × 8) for the planes to be split across workers, with and without
    /// recorded winners.
    @Test func maxPoolingSplitAcrossWorkers() {
        let x = randomTensor([4, 8, 6, 5], seed: 53)
        expectClose(
            Variable(x).maxPool2d(kernel: 2).value, naivePool(x, kernel: 2, stride: 2, padding: 0, maximum: true))
        var generator = SeededGenerator(seed: 54)
        let separated = Tensor(shape: x.shape, scalars: generator.permutation(x.count).map { Float($0) * 0.05 })
        expectGradientsMatch([separated]) { $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1) }
    }

    @Test func globalAveragePooling() {
        let x = randomTensor([2, 3, 4, 4], seed: 51)
        expectClose(
            Variable(x).globalAveragePool().value,
            naivePool(x, kernel: 4, stride: 4, padding: 0, maximum: false).reshaped([2, 3]))
        expectGradientsMatch([x]) { $0[0].globalAveragePool() }
    }

    @Test func dropoutScalesKeptElementsAndMasksGradient() {
        var generator = SeededGenerator(seed: 3)
        let x = Variable(Tensor(shape: [1000], repeating: 1), requiresGrad: true)
        let y = x.dropout(probability: 0.25, training: true, generator: &generator)
        let kept = y.value.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / 0.75) < 1e-6 })
        #expect(kept.count > 700 && kept.count < 800)
        y.sum().backward()
        #expect(x.grad!.scalars == y.value.scalars)
        var other = SeededGenerator(seed: 3)
        #expect(
            Variable(Tensor(shape: [4], repeating: 1)).dropout(probability: 0.5, training: false, generator: &other)
                .value.scalars == [1, 1, 1, 1])
    }
}

@Suite struct BatchNormTests {
    @Test func trainingNormalisesAndUpdatesRunningStatistics() {
        let x = randomTensor([4, 3, 2, 2], seed: 60).map { $0 * 3 + 2 }
        let layer = BatchNorm(channels: 3)
        let y = layer(Variable(x)).value
        for c in 0..<3 {
            var values: [Float] = []
            for n in 0..<4 { for i in 0..<4 { values.append(y.scalars[(n * 3 + c) * 4 + i]) } }
            let mean = values.reduce(0, +) / 16
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            #expect(Swift.abs(mean) < 1e-5)
            #expect(Swift.abs(variance - 1) < 1e-3)
            // Running statistics: 0.9·initial + 0.1·batch (unbiased variance).
            var inputs: [Float] = []
            for n in 0..<4 { for i in 0..<4 { inputs.append(x.scalars[(n * 3 + c) * 4 + i]) } }
            let inputMean = inputs.reduce(0, +) / 16
            let unbiased = inputs.map { ($0 - inputMean) * ($0 - inputMean) }.reduce(0, +) / 15
            #expect(Swift.abs(layer.statistics.mean.value.scalars[c] - 0.1 * inputMean) < 1e-5)
            #expect(Swift.abs(layer.statistics.variance.value.scalars[c] - (0.9 + 0.1 * unbiased)) < 1e-4)
        }
    }

    @Test func evaluationUsesRunningStatistics() {
        let layer = BatchNorm(channels: 2)
        layer.statistics.mean.value = Tensor(shape: [2], scalars: [1, -1])
        layer.statistics.variance.value = Tensor(shape: [2], scalars: [4, 0.25])
        layer.scale.value = Tensor(shape: [2], scalars: [2, 1])
        layer.shift.value = Tensor(shape: [2], scalars: [0, 3])
        layer.isTraining = false
        let y = layer(Variable(Tensor(shape: [1, 2], scalars: [3, 0]))).value
        let eps: Float = 1e-5
        #expect(Swift.abs(y.scalars[0] - 2 * 2 / (4 + eps).squareRoot()) < 1e-5)
        #expect(Swift.abs(y.scalars[1] - (3 + 1 / (0.25 + eps).squareRoot())) < 1e-4)
        #expect(layer.statistics.mean.value.scalars == [1, -1])
    }

    @Test func gradientsInBothModes() {
        let x = randomTensor([3, 2, 2, 3], seed: 61), gamma = randomTensor([2], seed: 62),
            beta = randomTensor([2], seed: 63)
        for training in [true, false] {
            let statistics = BatchNormStatistics(channels: 2)
            statistics.mean.value = Tensor(shape: [2], scalars: [0.1, -0.2])
            statistics.variance.value = Tensor(shape: [2], scalars: [0.5, 2])
            expectGradientsMatch([x, gamma, beta]) {
                // A fresh statistics object per evaluation keeps the finite differences
                // independent of the running-average updates.
                let s = BatchNormStatistics(channels: 2)
                s.mean.value = statistics.mean.value
                s.variance.value = statistics.variance.value
                return batchNorm($0[0], scale: $0[1], shift: $0[2], statistics: s, training: training)
            }
        }
        expectGradientsMatch([
            randomTensor([5, 3], seed: 64), randomTensor([3], seed: 65), randomTensor([3], seed: 66),
        ]) {
            batchNorm($0[0], scale: $0[1], shift: $0[2], statistics: BatchNormStatistics(channels: 3), training: true)
        }
    }
}

@Suite struct FusedOperationTests {
    @Test func batchNormWithReLUEqualsBatchNormThenReLU() {
        let x = randomTensor([3, 2, 3, 3], seed: 90, margin: 0.05)
        let gamma = randomTensor([2], seed: 91), beta = randomTensor([2], seed: 92)
        for training in [true, false] {
            let fused = batchNorm(
                Variable(x), scale: Variable(gamma), shift: Variable(beta),
                statistics: BatchNormStatistics(channels: 2), training: training, activation: .relu
            ).value
            let plain = batchNorm(
                Variable(x), scale: Variable(gamma), shift: Variable(beta),
                statistics: BatchNormStatistics(channels: 2), training: training
            ).relu().value
            expectClose(fused, plain, tolerance: 1e-6)
            expectGradientsMatch([x, gamma, beta]) {
                batchNorm(
                    $0[0], scale: $0[1], shift: $0[2], statistics: BatchNormStatistics(channels: 2),
                    training: training, activation: .relu)
            }
        }
    }

    @Test func addThenReLU() {
        let a = randomTensor([2, 3, 4], seed: 93), b = randomTensor([2, 3, 4], seed: 94)
        expectClose(
            Variable(a).addingThenReLU(Variable(b)).value, (Variable(a) + Variable(b)).relu().value, tolerance: 0)
        expectGradientsMatch([a, b]) { $0[0].addingThenReLU($0[1]) }
    }
}
