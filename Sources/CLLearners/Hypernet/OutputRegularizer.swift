import CLTensor

/// The output regulariser of von Oswald et al. that keeps old tasks' generated weights:
/// when learning task T > 0,
///
///     L_reg = (β / T) · Σ_{t<T} ‖Θ*_t − h(e_t, θ)‖²,
///
/// with Θ*_t = h(e_t, θ*) computed once, before task T starts, from the hypernetwork as it
/// was then (hypercl `hnet_regularizer.get_current_targets` / `calc_fix_target_reg`: a sum
/// of squared differences over all of Θ, divided by the number of regularised tasks, then
/// scaled by β). With a multi-head target network the code regularises, of the output
/// layer, only the old task's own head (`inds_of_out_heads`, posterior_replay_cl's
/// `regged_outputs`): the other heads' entries of Θ_t are never used by task t, and pinning
/// them would keep the generator from giving a new task its head. So each target comes
/// with a mask over Θ (1: regularised). The code's optional "lookahead" (targets through a candidate step of θ)
/// is left out: the authors report it adds little. With `.mip`, Θ includes the learned
/// base, so the base is protected too.
struct OutputRegularizer {
    /// Θ*_t for every task before the current one, taken when the current task starts.
    private(set) var targets: [Tensor] = []
    /// Per target: 1 where Θ_t is regularised, 0 for other tasks' output units (nil: all of Θ).
    private(set) var masks: [Tensor?] = []
    let beta: Double

    init(beta: Double) { self.beta = beta }

    /// Snapshots the weights of tasks 0 ..< currentTask (call once, before training task
    /// `currentTask`).
    mutating func takeTargets(_ generated: [Tensor], masks: [Tensor?]? = nil) {
        precondition(masks == nil || masks!.count == generated.count, "one mask per target")
        targets = generated
        self.masks = masks ?? Array(repeating: nil, count: generated.count)
    }

    /// L_reg for the current θ, given a way to regenerate Θ_t with gradients. Nil on the
    /// first task (nothing to keep), and when β = 0 (the term would be a constant zero, and
    /// not computing it is what makes β = 0 exactly fine-tuning through the hypernetwork).
    func loss(regenerate: (Int) -> Variable) -> Variable? {
        guard !targets.isEmpty, beta != 0 else { return nil }
        var total: Variable? = nil
        for (t, target) in targets.enumerated() {
            let squared = regenerate(t).squaredDistance(to: target, weights: masks[t])
            total = total.map { $0 + squared } ?? squared
        }
        return total! * Float(beta / Double(targets.count))
    }
}
