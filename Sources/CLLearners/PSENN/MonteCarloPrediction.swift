import CLTensor
import Foundation

/// Prob-PSENN's prediction: p(y | x) = (1/S) Σ_s softmax(logits(x; P_s)) over S draws P_s
/// of all prototypes at once (S = `mc_samples`, 32 by default), the encoding f(x)
/// computed once. Besides the mean it gives the expected entropy E_s H[p(y | x, P_s)];
/// the runner subtracts it from H[p(y | x)] to get the mutual information (the epistemic
/// part, which vanishes when every draw gives the same distribution).
enum MonteCarloPrediction {
    /// The distribution of `batch` with `samples` draws from `generator`.
    ///
    /// Probabilities are summed in Double, so with S a power of two and identical draws
    /// (σ = 0) the mean is bit-identical to each draw. Jensen's inequality makes
    /// H[mean] ≥ mean H exactly; rounding may not, so the expected entropy is capped at
    /// H[mean] computed as the runner computes it, and the mutual information is never
    /// negative.
    static func distribution(
        of batch: Tensor, network: PrototypeNetwork, samples: Int,
        generator: inout SeededGenerator
    ) -> PredictiveDistribution {
        let rows = batch.shape[0], classes = network.classCount
        guard classes > 0, network.prototypes.count > 0 else {
            let empty = Tensor(shape: [rows, 0])
            return PredictiveDistribution(
                prediction: Prediction(scores: empty, kind: .probabilities), probabilities: empty,
                expectedEntropy: Array(repeating: 0, count: rows))
        }
        let encodings = Variable(
            network.autoencoder.encodings(of: batch.reshaped([rows, network.autoencoder.inputSize])))
        var sums = [Double](repeating: 0, count: rows * classes)
        var entropySums = [Double](repeating: 0, count: rows)
        for _ in 0..<samples {
            let probabilities = withoutGradient {
                network.logits(encodings: encodings, prototypes: network.prototypes.sample(generator: &generator))
                    .softmax().value
            }
            probabilities.scalars.withUnsafeBufferPointer { p in
                for row in 0..<rows {
                    let base = row &* classes
                    entropySums[row] += entropy(p[base..<(base &+ classes)])
                    for c in 0..<classes { sums[base &+ c] += Double(p[base &+ c]) }
                }
            }
        }
        let mean = Tensor(shape: [rows, classes], scalars: sums.map { Float($0 / Double(samples)) })
        var expected = [Double](repeating: 0, count: rows)
        mean.scalars.withUnsafeBufferPointer { p in
            for row in 0..<rows {
                expected[row] = Swift.min(
                    entropySums[row] / Double(samples), entropy(p[(row * classes)..<((row + 1) * classes)]))
            }
        }
        return PredictiveDistribution(
            prediction: Prediction(scores: mean, kind: .probabilities), probabilities: mean,
            expectedEntropy: expected)
    }

    /// −Σ p ln p in nats over the positive entries, in Double: the same arithmetic as the
    /// runner's `UncertaintyMetrics.entropy`, so the cap above is exact.
    static func entropy<C: Collection>(_ probabilities: C) -> Double where C.Element == Float {
        var total = 0.0
        for p in probabilities {
            if p.isNaN { return .nan }
            if p > 0 { total -= Double(p) * Foundation.log(Double(p)) }
        }
        return total
    }
}
