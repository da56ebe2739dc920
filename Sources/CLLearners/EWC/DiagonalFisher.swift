import CLTensor
import Foundation

/// The diagonal of the empirical Fisher information of a classifier on a task's data, as
/// Mammoth's online EWC (`models/ewc_on.py`, `end_task`) computes it:
///
///     F_k = (1 / n) Σ_i p(y_i | x_i) · (∂ log p(y_i | x_i) / ∂θ_k)²
///
/// with y_i the true label, each sample's gradient taken on its own (a batch of one through
/// the tape), weighted by the probability the network gives the true label (Mammoth's
/// `exp_cond_prob`). Inputs are the task's samples without augmentation, the network in the
/// mode it is in (evaluation after training; Mammoth leaves it in training mode, which is the
/// same for networks without batch normalisation). Mammoth divides by batches × batch size,
/// which exceeds n when the last batch is short; this divides by n.
///
/// Cost: n forward and backward passes at batch size one, about a training epoch at batch
/// size one (for an MLP on Split-MNIST's 12 000 samples of a task, a few seconds).
enum DiagonalFisher {
    /// One tensor per parameter, shaped as it; gradients of `parameters` are cleared after.
    static func estimate(
        backbone: TrainableBackbone, head: any ClassifierHead, parameters: [Variable], data: TrainingSet
    ) -> [Tensor] {
        var sums = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        for position in 0..<data.count {
            let (inputs, labels) = data.inputs(at: [position])
            for parameter in parameters { parameter.zeroGradient() }
            let negativeLogLikelihood = Loss.crossEntropy(
                logits: head.logits(backbone.trainingFeatures(of: inputs)), labels: labels)
            let probability = Foundation.exp(-negativeLogLikelihood.value.scalars[0])
            negativeLogLikelihood.backward()
            for (k, parameter) in parameters.enumerated() {
                guard let gradient = parameter.grad, gradient.count == sums[k].count else { continue }
                gradient.scalars.withUnsafeBufferPointer { g in
                    sums[k].withUnsafeMutableBufferPointer { sum in
                        for j in 0..<g.count { sum[j] += probability * g[j] * g[j] }
                    }
                }
            }
        }
        for parameter in parameters { parameter.zeroGradient() }
        let n = Float(max(data.count, 1))
        return zip(parameters, sums).map { parameter, sum in
            Tensor(shape: parameter.shape, scalars: sum.map { $0 / n })
        }
    }
}
