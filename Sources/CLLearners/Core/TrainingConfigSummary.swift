/// The `training:` block in protocol keys, one line: what the run header prints for each
/// learner and `cl-bench list` prints as the defaults, so that nobody has to work out from a
/// protocol's overrides which schedule a learner actually trained with.
extension TrainingConfig {
    public var summary: String {
        var parts = [
            steps.map { "steps: \($0)" } ?? "epochs: \(epochs)", "batch_size: \(batchSize)",
            "optimizer: \(optimizer)", "lr: \(learningRate)",
        ]
        if optimizer == "sgd" { parts += ["momentum: \(momentum)", "nesterov: \(nesterov)"] }
        parts += ["weight_decay: \(weightDecay)", "schedule: \(schedule)"]
        if schedule == "step" || schedule == "multistep" { parts += ["milestones: \(milestones)", "gamma: \(gamma)"] }
        if warmupEpochs > 0 { parts.append("warmup_epochs: \(warmupEpochs)") }
        parts.append("augment: [\(augment.joined(separator: ", "))]")
        if labelSmoothing > 0 { parts.append("label_smoothing: \(labelSmoothing)") }
        parts.append("preset: \(preset ?? "none")")
        return "{ " + parts.joined(separator: ", ") + " }"
    }
}
