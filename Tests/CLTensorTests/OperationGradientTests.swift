import Testing
@testable import CLTensor

@Suite struct ElementwiseGradientTests {
    @Test func broadcastingArithmetic() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([3, 1], seed: 2)
        let c = randomTensor([4], seed: 3, positive: true)
        expectGradientsMatch([a, b]) { $0[0] + $0[1] }
        expectGradientsMatch([a, b]) { $0[0] - $0[1] }
        expectGradientsMatch([a, b]) { $0[0] * $0[1] }
        expectGradientsMatch([a, c]) { $0[0] / $0[1] }
        expectGradientsMatch([b, a]) { $0[0] * $0[1] - $0[1] }
        expectGradientsMatch([a]) { ($0[0] * 3 + 1) / 2 - 0.5 }
    }

    @Test func broadcastShapesAndValues() {
        let a = Variable(Tensor(shape: [2, 1], scalars: [1, 2]))
        let b = Variable(Tensor(shape: [3], scalars: [10, 20, 30]))
        let c = a + b
        #expect(c.shape == [2, 3])
        #expect(c.value.scalars == [11, 21, 31, 12, 22, 32])
    }

    @Test func pointwiseFunctions() {
        let x = randomTensor([3, 5], seed: 4, margin: 0.05)
        let positive = randomTensor([3, 5], seed: 5, positive: true)
        expectGradientsMatch([x]) { $0[0].relu() }
        expectGradientsMatch([x]) { $0[0].leakyRelu(slope: 0.1) }
        expectGradientsMatch([x]) { $0[0].elu() }
        expectGradientsMatch([x]) { $0[0].tanh() }
        expectGradientsMatch([x]) { $0[0].sigmoid() }
        expectGradientsMatch([x]) { $0[0].sin() }
        expectGradientsMatch([x]) { $0[0].cos() }
        expectGradientsMatch([x]) { $0[0].exp() }
        expectGradientsMatch([x]) { $0[0].squared() }
        expectGradientsMatch([x]) { $0[0].abs() }
        expectGradientsMatch([positive]) { $0[0].log() }
        expectGradientsMatch([positive]) { $0[0].sqrt() }
        expectGradientsMatch([positive]) { $0[0].pow(1.7) }
    }

    @Test func stopGradientBlocksFlow() {
        let x = Variable(randomTensor([4], seed: 6), requiresGrad: true)
        let y = (x * x.detached()).sum()
        y.backward()
        // d/dx of x·sg(x) is sg(x), not 2x.
        expectClose(x.grad!, x.value)
    }

    @Test func noGradientModeRecordsNothing() {
        let x = Variable(randomTensor([4], seed: 7), requiresGrad: true)
        let y = withoutGradient { (x * 2).sum() }
        #expect(!y.requiresGrad)
        #expect(GradientMode.isEnabled)
    }

    @Test func gradientsAccumulateOverUses() {
        let x = Variable(Tensor(shape: [2], scalars: [1, 2]), requiresGrad: true)
        (x * x + x).sum().backward()
        #expect(x.grad!.scalars == [3, 5])
    }
}

@Suite struct ReductionAndShapeGradientTests {
    @Test func reductions() {
        let x = randomTensor([2, 3, 4], seed: 10)
        expectGradientsMatch([x]) { $0[0].sum() }
        expectGradientsMatch([x]) { $0[0].sum(axis: 1) }
        expectGradientsMatch([x]) { $0[0].sum(axes: [0, 2], keepDimensions: true) }
        expectGradientsMatch([x]) { $0[0].mean(axis: -1) }
        expectGradientsMatch([x]) { $0[0].mean() }
        expectGradientsMatch([x]) { $0[0].max(axis: 1) }
        expectGradientsMatch([x]) { $0[0].max(axes: [1, 2]) }
        let y = Variable(Tensor(shape: [2, 3], scalars: [1, 5, 2, 7, 0, 3]))
        #expect(y.max(axis: 1).value.scalars == [5, 7])
        #expect(y.sum(axis: 0).value.scalars == [8, 5, 5])
        #expect(y.mean().value.scalars == [3])
    }

    /// min is −max(−x): checked against finite differences alone and inside PSENN's
    /// regularisers (mean over rows of the smallest squared distance), and by value.
    @Test func minimum() {
        let x = randomTensor([2, 3, 4], seed: 12)
        expectGradientsMatch([x]) { $0[0].min(axis: 1) }
        expectGradientsMatch([x]) { $0[0].min(axes: [0, 2], keepDimensions: true) }
        let a = randomTensor([5, 3], seed: 13), b = randomTensor([4, 3], seed: 14)
        expectGradientsMatch([a, b]) { $0[0].pairwiseSquaredDistances($0[1]).min(axis: 1).mean() }
        expectGradientsMatch([a, b]) { $0[1].pairwiseSquaredDistances($0[0]).min(axis: 1).mean() }
        let y = Variable(Tensor(shape: [2, 3], scalars: [1, 5, -2, 7, 0, 3]))
        #expect(y.min(axis: 1).value.scalars == [-2, 0])
        #expect(y.min(axis: 0).value.scalars == [1, 0, -2])
    }

    @Test func softmaxFamily() {
        let x = randomTensor([3, 4, 2], seed: 11)
        expectGradientsMatch([x]) { $0[0].softmax(axis: 1) }
        expectGradientsMatch([x]) { $0[0].logSoftmax(axis: -1) }
        let s = Variable(x).softmax(axis: 1).sum(axis: 1).value
        for v in s.scalars { #expect(Swift.abs(v - 1) < 1e-6) }
    }

    @Test func movingElements() {
        let x = randomTensor([2, 3, 4], seed: 12)
        expectGradientsMatch([x]) { $0[0].reshaped([4, -1]) }
        expectGradientsMatch([x]) { $0[0].permuted([2, 0, 1]) }
        expectGradientsMatch([x]) { $0[0].transposed() }
        expectGradientsMatch([x]) { $0[0].slice(axis: 1, 1..<3) }
        expectGradientsMatch([x]) { $0[0].indexSelect([2, 0, 2], axis: 1) }
        expectGradientsMatch([x, randomTensor([2, 1, 4], seed: 13)]) { concatenate([$0[0], $0[1]], axis: 1) }
        expectGradientsMatch([randomTensor([3, 5], seed: 14)]) { $0[0].gather(columns: [4, 0, 2]) }
        let m = Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(m.transposed().value.scalars == [1, 4, 2, 5, 3, 6])
        #expect(m.slice(axis: 1, 1..<3).value.scalars == [2, 3, 5, 6])
        #expect(concatenate([m, m], axis: 1).value.scalars == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
    }

    @Test func rotationByQuarterTurns() {
        // [[1, 2], [3, 4]] rotated counter-clockwise is [[2, 4], [1, 3]] (torch.rot90).
        let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(x.rotated90(times: 1).value.scalars == [2, 4, 1, 3])
        #expect(x.rotated90(times: 2).value.scalars == [4, 3, 2, 1])
        #expect(x.rotated90(times: 3).value.scalars == [3, 1, 4, 2])
        let r = randomTensor([2, 1, 3, 4], seed: 15)
        #expect(Variable(r).rotated90(times: 1).shape == [2, 1, 4, 3])
        #expect(Variable(r).rotated90(times: 1).rotated90(times: 3).value == r)
        expectGradientsMatch([r]) { $0[0].rotated90(times: 1) }
        expectGradientsMatch([r]) { $0[0].rotated90(times: 2) }
    }
}

@Suite struct MatrixAndDistanceGradientTests {
    @Test func matmulAllTransposes() {
        let a = randomTensor([3, 4], seed: 20), b = randomTensor([4, 5], seed: 21)
        let at = randomTensor([4, 3], seed: 22), bt = randomTensor([5, 4], seed: 23)
        expectGradientsMatch([a, b]) { $0[0].matmul($0[1]) }
        expectGradientsMatch([at, b]) { $0[0].matmul($0[1], transposeSelf: true) }
        expectGradientsMatch([a, bt]) { $0[0].matmul($0[1], transposeOther: true) }
        expectGradientsMatch([at, bt]) { $0[0].matmul($0[1], transposeSelf: true, transposeOther: true) }
        let product = Variable(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])).matmul(
            Variable(Tensor(shape: [2, 1], scalars: [5, 6])))
        #expect(product.value.scalars == [17, 39])
    }

    @Test func batchedMatmul() {
        let a = randomTensor([2, 3, 4], seed: 24), b = randomTensor([2, 4, 2], seed: 25)
        expectGradientsMatch([a, b]) { $0[0].matmul($0[1]) }
        expectGradientsMatch([a, randomTensor([2, 2, 4], seed: 26)]) { $0[0].matmul($0[1], transposeOther: true) }
    }

    @Test func normalisationAndDistances() {
        let a = randomTensor([3, 4], seed: 27), b = randomTensor([5, 4], seed: 28)
        expectGradientsMatch([a]) { $0[0].l2Normalized() }
        expectGradientsMatch([a, b]) { $0[0].pairwiseSquaredDistances($0[1]) }
        expectGradientsMatch([a, b]) { $0[0].pairwiseDistances($0[1]) }
        expectGradientsMatch([a, b]) { $0[0].cosineSimilarities($0[1]) }
        let d = Variable(a).pairwiseSquaredDistances(Variable(b)).value
        for i in 0..<3 {
            for j in 0..<5 {
                var reference: Float = 0
                for k in 0..<4 { let t = a.scalars[i * 4 + k] - b.scalars[j * 4 + k]; reference += t * t }
                #expect(Swift.abs(d.scalars[i * 5 + j] - reference) < 1e-5)
            }
        }
    }

    /// A hypernetwork: the target network's weights are an output of another network, and
    /// the gradient must reach the generator's parameters.
    @Test func gradientsFlowIntoGeneratedWeights() {
        let embedding = randomTensor([1, 3], seed: 29), generator = randomTensor([3, 8], seed: 30)
        let input = randomTensor([2, 4], seed: 31)
        expectGradientsMatch([embedding, generator]) { v in
            let weights = v[0].matmul(v[1]).reshaped([2, 4])
            return linear(Variable(input), weight: weights).tanh()
        }
        let convInput = randomTensor([1, 1, 4, 4], seed: 32)
        expectGradientsMatch([embedding, randomTensor([3, 9], seed: 33)]) { v in
            conv2d(Variable(convInput), weight: v[0].matmul(v[1]).reshaped([1, 1, 3, 3]), padding: 1)
        }
    }
}

@Suite struct ShortcutTests {
    @Test func subsampleWithZeroChannelsMatchesPoolAndConcatenate() {
        let x = randomTensor([2, 2, 5, 4], seed: 80)
        let fused = Variable(x).subsampledWithZeroChannels(outputChannels: 5).value
        let pooled = Variable(x).averagePool2d(kernel: 1, stride: 2)
        let reference = concatenate([pooled, Variable(Tensor(shape: [2, 3, 3, 2]))], axis: 1).value
        #expect(fused == reference)
        expectGradientsMatch([x]) { $0[0].subsampledWithZeroChannels(outputChannels: 3) }
    }
}
