/// Loss functions; each returns a scalar (shape []) averaged over the batch.
public enum Loss {
    /// Cross-entropy of logits [n, c] against integer labels. With label smoothing ε the
    /// target is (1 − ε)·onehot + ε/c (PyTorch's definition). Fused: the pullback is
    /// (softmax − target)/n, computed once from the saved probabilities.
    public static func crossEntropy(logits: Variable, labels: [Int], labelSmoothing: Float = 0) -> Variable {
        precondition(
            logits.rank == 2 && logits.shape[0] == labels.count,
            "crossEntropy needs logits [n, c] and n labels, got \(logits.shape) and \(labels.count)")
        let (n, classes) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "label out of range 0..<\(classes)")
        let logProbabilities = withoutGradient { logits.detached().logSoftmax(axis: 1).value }
        let offTarget = labelSmoothing / Float(classes)
        let onTarget = 1 - labelSmoothing + offTarget
        var total = 0.0
        for i in 0..<n {
            var row = 0.0
            for c in 0..<classes {
                let target = c == labels[i] ? onTarget : offTarget
                if target != 0 { row -= Double(target * logProbabilities.scalars[i * classes + c]) }
            }
            total += row
        }
        let value = Tensor(shape: [], scalars: [Float(total / Double(n))])
        return .result(value, [logits]) { g in
            let scale = g.scalars[0] / Float(n)
            var dx = logProbabilities
            for i in 0..<n {
                for c in 0..<classes {
                    let index = i * classes + c
                    let target = c == labels[i] ? onTarget : offTarget
                    dx.scalars[index] = (expf(logProbabilities.scalars[index]) - target) * scale
                }
            }
            logits.accumulate(dx)
        }
    }

    /// Negative log-likelihood of log-probabilities [n, c] at the labels, averaged.
    public static func negativeLogLikelihood(logProbabilities: Variable, labels: [Int]) -> Variable {
        -logProbabilities.gather(columns: labels).mean()
    }

    /// Mean squared error over all elements.
    public static func meanSquaredError(_ prediction: Variable, _ target: Variable) -> Variable {
        (prediction - target).squared().mean()
    }

    /// KL(q ‖ p) with q = softmax(targetLogits / T) and p = softmax(logits / T) along the
    /// last axis, summed over classes and averaged over rows. Detach the target for
    /// distillation from a frozen teacher.
    public static func klDivergence(targetLogits: Variable, logits: Variable, temperature: Float = 1) -> Variable {
        let logQ = (targetLogits / temperature).logSoftmax()
        let logP = (logits / temperature).logSoftmax()
        let rows = Float(logits.value.count / Swift.max(logits.shape.last ?? 1, 1))
        return (logQ.exp() * (logQ - logP)).sum() / rows
    }

    /// Supervised contrastive loss (Khosla et al. 2020, as in their SupConLoss code) on
    /// L2-normalised features [n, d] with labels; several views of a sample are simply
    /// separate rows with the same label. For anchor i with positives P(i) (same label,
    /// not i): −(T/T_base) · mean_{p∈P(i)} log( exp(z_i·z_p/T) / Σ_{a≠i} exp(z_i·z_a/T) ),
    /// averaged over anchors that have at least one positive.
    public static func supervisedContrastive(
        features: Variable, labels: [Int],
        temperature: Float = 0.07, baseTemperature: Float = 0.07
    ) -> Variable {
        let n = features.shape[0]
        precondition(features.rank == 2 && labels.count == n, "supervisedContrastive needs [n, d] and n labels")
        let logits = features.matmul(features, transposeOther: true) / temperature
        // Subtracting the detached row maximum changes nothing mathematically but keeps exp finite.
        let stabilised = logits - logits.detached().max(axis: 1, keepDimensions: true)
        var notSelf = [Float](repeating: 1, count: n * n)
        var positives = [Float](repeating: 0, count: n * n)
        var positiveCounts = [Float](repeating: 0, count: n)
        for i in 0..<n {
            notSelf[i * n + i] = 0
            for j in 0..<n where j != i && labels[j] == labels[i] {
                positives[i * n + j] = 1
                positiveCounts[i] += 1
            }
        }
        let notSelfMask = Variable(Tensor(shape: [n, n], scalars: notSelf))
        let positiveMask = Variable(Tensor(shape: [n, n], scalars: positives))
        let logDenominator = ((stabilised.exp() * notSelfMask).sum(axis: 1, keepDimensions: true)).log()
        let logProbability = stabilised - logDenominator
        let anchors = (0..<n).filter { positiveCounts[$0] > 0 }
        precondition(!anchors.isEmpty, "supervisedContrastive: no anchor has a positive")
        var weights = [Float](repeating: 0, count: n)
        for i in anchors { weights[i] = 1 / positiveCounts[i] }
        let meanPositive = (logProbability * positiveMask).sum(axis: 1) * Variable(Tensor(shape: [n], scalars: weights))
        return meanPositive.sum() * (-(temperature / baseTemperature) / Float(anchors.count))
    }
}

#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif
