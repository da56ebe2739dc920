import Testing
@testable import CLTensor

/// `convolutionBatchNormInference` against the unfused composition it replaces.
@Suite struct InferenceFusionTests {
    /// (input shape, outputs, kernel, stride, padding): the direct kernels with stride 1 and
    /// 2 (when the CPU has them), and im2col + sgemm (5×5 images, 1×1 kernels).
    static let cases: [([Int], Int, Int, Int, Int)] = [
        ([2, 8, 4, 16], 8, 3, 1, 1), ([2, 8, 4, 32], 16, 3, 2, 1), ([2, 3, 5, 5], 4, 3, 1, 1),
        ([3, 4, 6, 6], 5, 1, 2, 0),
    ]

    /// A conv and a norm whose running statistics, scale and shift are all non-trivial.
    static func layers(
        _ shape: [Int], outputs: Int, kernel: Int, stride: Int, padding: Int,
        convolutionBias: Bool
    ) -> (Conv2d, BatchNorm) {
        var generator = SeededGenerator(seed: 150)
        let conv = Conv2d(
            inputs: shape[1], outputs: outputs, kernel: kernel, stride: stride, padding: padding,
            bias: convolutionBias, generator: &generator)
        if let bias = conv.bias { bias.value = randomTensor([outputs], seed: 159) }
        let norm = BatchNorm(channels: outputs)
        norm.scale.value = randomTensor([outputs], seed: 151)
        norm.shift.value = randomTensor([outputs], seed: 152)
        norm.statistics.mean.value = randomTensor([outputs], seed: 153)
        norm.statistics.variance.value = randomTensor([outputs], seed: 154, positive: true)
        norm.isTraining = false
        return (conv, norm)
    }

    @Test(arguments: 0..<cases.count, [false, true])
    func matchesUnfusedComposition(caseIndex: Int, withResidual: Bool) {
        let (shape, outputs, kernel, stride, padding) = Self.cases[caseIndex]
        for (relu, convolutionBias) in [(true, false), (false, true)] {
            let (conv, norm) = Self.layers(
                shape, outputs: outputs, kernel: kernel, stride: stride, padding: padding,
                convolutionBias: convolutionBias)
            let x = Variable(randomTensor(shape, seed: 155))
            let convolved = conv(x)
            let residual = withResidual ? Variable(randomTensor(convolved.shape, seed: 156)) : nil
            let fused = withoutGradient {
                convolutionBatchNormInference(x, convolution: conv, batchNorm: norm, residual: residual, relu: relu)
                    .value
            }
            var expected = norm(convolved).value
            for i in 0..<expected.count {
                var v = expected.scalars[i] + (residual?.value.scalars[i] ?? 0)
                if relu { v = Swift.max(v, 0) }
                expected.scalars[i] = v
            }
            expectClose(fused, expected, tolerance: 1e-5)
        }
    }

    /// With gradient recording on (or in training mode) it is the unfused composition,
    /// so gradients reach the input and every parameter.
    @Test func recordsGradientsWhenRecordingIsOn() {
        let (conv, norm) = Self.layers(
            [2, 8, 4, 16], outputs: 8, kernel: 3, stride: 1, padding: 1, convolutionBias: false)
        let x = Variable(randomTensor([2, 8, 4, 16], seed: 157), requiresGrad: true)
        let y = convolutionBatchNormInference(x, convolution: conv, batchNorm: norm, relu: true)
        y.backward(seed: randomTensor(y.shape, seed: 158))
        #expect(x.grad != nil && conv.weight.grad != nil && norm.scale.grad != nil)
    }
}
