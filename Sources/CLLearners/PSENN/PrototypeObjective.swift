import CLTensor

/// The per-batch loss of PSENN and Prob-PSENN on the `TrainingLoop`:
///
///     CE(D(f(x), P) · W, y) + λ_rec · ‖g(f(x)) − x‖² + λ_1 · R_1 + λ_2 · R_2
///       [+ λ_KL · KL(q(P) ‖ N(0, I))]  [+ λ_anchor · KL(q(P_old) ‖ q_prev(P_old))]
///
/// - CE uses one reparameterised draw P of all prototypes per step (the means when
///   deterministic): one sample per step, as variational training usually does.
/// - Reconstruction is the squared error summed over pixels, averaged over the batch
///   (Li et al.'s `ae_error`).
/// - R_1 = mean_j min_i ‖μ_j − f(x_i)‖² over the current task's prototypes only (each
///   new prototype should resemble some encoding of its task; old prototypes' classes are
///   absent from the batch, so pulling them towards it would only move them or the
///   encoder the wrong way). R_2 = mean_i min_j ‖f(x_i) − μ_j‖² over all prototypes
///   (Li et al.). Both use the means μ, the vectors the decoder visualises.
/// - The KL to the N(0, I) prior and the anchor KL are means over prototypes of sums over
///   dimensions; a term whose weight is 0 is not computed at all (so σ → 0 with λ_KL = 0
///   is exactly PSENN's loss).
///
/// Li et al.'s code weights CE 20 and the other three 1 (the paper: λ = λ_1 = λ_2 = 0.05
/// relative to CE): the defaults here are that ratio. Every term is recorded in the
/// training curves (`train_ce`, `train_reconstruction`, `train_r1`, `train_r2`,
/// `train_kl`, `train_anchor`).
struct PrototypeObjective {
    var reconstructionWeight: Float
    var r1Weight: Float
    var r2Weight: Float
    var klWeight: Float
    var anchorWeight: Float

    func loss(
        _ batch: TrainingBatch, network: PrototypeNetwork, anchor: PrototypeBank.Snapshot?,
        generator: inout SeededGenerator
    ) -> Variable {
        let inputs = Variable(batch.inputs.reshaped([batch.count, network.autoencoder.inputSize]))
        let labels = batch.viewLabels[0]
        let encodings = network.autoencoder.encode(inputs)
        let drawn = network.prototypes.sample(generator: &generator)
        let logits = network.logits(encodings: encodings, prototypes: drawn)
        batch.countCorrect(logits: logits.value, labels: labels)
        let crossEntropy = Loss.crossEntropy(logits: logits, labels: labels)
        batch.record("ce", Double(crossEntropy.value.scalars[0]))
        var total = crossEntropy
        if reconstructionWeight > 0 {
            let error = (network.autoencoder.decode(encodings) - inputs).squared().sum(axis: 1).mean()
            batch.record("reconstruction", Double(error.value.scalars[0]))
            total = total + error * reconstructionWeight
        }
        if r1Weight > 0 {
            let r1 = network.prototypes.currentMeans.pairwiseSquaredDistances(encodings).min(axis: 1).mean()
            batch.record("r1", Double(r1.value.scalars[0]))
            total = total + r1 * r1Weight
        }
        if r2Weight > 0 {
            let r2 = encodings.pairwiseSquaredDistances(network.prototypes.means).min(axis: 1).mean()
            batch.record("r2", Double(r2.value.scalars[0]))
            total = total + r2 * r2Weight
        }
        if klWeight > 0 && network.prototypes.probabilistic {
            let kl = network.prototypes.klToStandardNormal()
            batch.record("kl", Double(kl.value.scalars[0]))
            total = total + kl * klWeight
        }
        if anchorWeight > 0, let anchor {
            let drift = network.prototypes.klToSnapshot(anchor)
            batch.record("anchor", Double(drift.value.scalars[0]))
            total = total + drift * anchorWeight
        }
        return total
    }
}
