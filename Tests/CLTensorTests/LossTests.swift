import Testing
@testable import CLTensor

@Suite struct LossTests {
    @Test func crossEntropyValueAndGradient() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let loss = Loss.crossEntropy(logits: Variable(logits), labels: [2, 0]).value.scalars[0]
        let expected = (-log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))) + log(3.0)) / 2
        #expect(Swift.abs(Double(loss) - expected) < 1e-6)
        let x = randomTensor([4, 5], seed: 70)
        expectGradientsMatch([x]) { Loss.crossEntropy(logits: $0[0], labels: [0, 4, 2, 2]) }
        expectGradientsMatch([x]) { Loss.crossEntropy(logits: $0[0], labels: [1, 3, 0, 4], labelSmoothing: 0.1) }
    }

    @Test func labelSmoothingMatchesTheMixtureDefinition() {
        let x = randomTensor([3, 4], seed: 71)
        let smoothed = Loss.crossEntropy(logits: Variable(x), labels: [0, 1, 2], labelSmoothing: 0.2).value.scalars[0]
        let logP = Variable(x).logSoftmax()
        let nll = Loss.negativeLogLikelihood(logProbabilities: logP, labels: [0, 1, 2]).value.scalars[0]
        let uniform = -logP.mean(axis: 1).mean().value.scalars[0]
        #expect(Swift.abs(smoothed - (0.8 * nll + 0.2 * uniform)) < 1e-5)
    }

    @Test func otherLosses() {
        let a = randomTensor([3, 4], seed: 72), b = randomTensor([3, 4], seed: 73)
        expectGradientsMatch([a]) {
            Loss.negativeLogLikelihood(logProbabilities: $0[0].logSoftmax(), labels: [3, 0, 1])
        }
        expectGradientsMatch([a, b]) { Loss.meanSquaredError($0[0], $0[1]) }
        expectGradientsMatch([a, b]) { Loss.klDivergence(targetLogits: $0[0], logits: $0[1], temperature: 2) }
        #expect(
            Loss.meanSquaredError(
                Variable(Tensor(shape: [2], scalars: [1, 2])), Variable(Tensor(shape: [2], scalars: [0, 0]))
            )
            .value.scalars == [2.5])
        let same = Loss.klDivergence(targetLogits: Variable(a), logits: Variable(a)).value.scalars[0]
        #expect(Swift.abs(same) < 1e-6)
        #expect(Loss.klDivergence(targetLogits: Variable(a), logits: Variable(b)).value.scalars[0] > 0)
    }

    /// Four samples, two classes, hand-computed with T = T_base = 1:
    /// features (unit vectors) e1, e1, e2, −e1 with labels 0, 0, 1, 1.
    @Test func supervisedContrastiveHandComputed() {
        let f = Tensor(shape: [4, 2], scalars: [1, 0, 1, 0, 0, 1, -1, 0])
        let loss = Loss.supervisedContrastive(
            features: Variable(f), labels: [0, 0, 1, 1], temperature: 1, baseTemperature: 1)
        let e = exp(1.0), one = 1.0, inv = exp(-1.0)
        // Anchor 0: others have similarities 1, 0, −1; positive is sample 1 (similarity 1).
        let l0 = -(1 - log(e + one + inv))
        let l1 = l0
        // Anchor 2 (e2): similarities 0, 0, 0; positive sample 3 (similarity 0).
        let l2 = -(0 - log(3.0))
        // Anchor 3 (−e1): similarities −1, −1, 0; positive sample 2 (similarity 0).
        let l3 = -(0 - log(inv + inv + one))
        let expected = (l0 + l1 + l2 + l3) / 4
        #expect(Swift.abs(Double(loss.value.scalars[0]) - expected) < 1e-5)
        let z = randomTensor([6, 3], seed: 74)
        expectGradientsMatch([z]) {
            Loss.supervisedContrastive(
                features: $0[0].l2Normalized(), labels: [0, 1, 0, 1, 2, 2], temperature: 0.5, baseTemperature: 0.7)
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
