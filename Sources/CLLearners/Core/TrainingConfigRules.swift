/// The rules a `training:` block must follow, checked once, by the protocol parser, before
/// any data is loaded (the loop then trusts the block). Each rule names the key at fault.
extension TrainingConfig {
    /// A key of the block and what is wrong with its value.
    public struct Problem: Sendable, Equatable {
        public let key: String
        public let message: String
    }

    /// Everything wrong with the block, in a fixed order (empty when it is valid).
    public var problems: [Problem] {
        var found: [Problem] = []
        func require(_ ok: Bool, _ key: String, _ message: String) {
            if !ok { found.append(Problem(key: key, message: message)) }
        }
        require(epochs >= 1, "epochs", "must be at least 1, got \(epochs)")
        if let steps { require(steps >= 1, "steps", "must be at least 1, got \(steps)") }
        require(batchSize >= 1, "batch_size", "must be at least 1, got \(batchSize)")
        require(
            Self.optimizers.contains(optimizer), "optimizer",
            "unknown optimizer '\(optimizer)' (one of \(Self.optimizers.joined(separator: ", ")))")
        require(learningRate.isFinite && learningRate > 0, "lr", "must be a positive number, got \(learningRate)")
        require(momentum.isFinite && momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got \(momentum)")
        require(
            !nesterov || (optimizer == "sgd" && momentum > 0), "nesterov",
            optimizer == "sgd"
                ? "Nesterov needs momentum > 0 (momentum is \(momentum))"
                : "Nesterov applies to optimizer sgd only, not \(optimizer)")
        require(weightDecay.isFinite && weightDecay >= 0, "weight_decay", "must be 0 or more, got \(weightDecay)")
        require(
            Self.schedules.contains(schedule), "schedule",
            "unknown schedule '\(schedule)' (one of \(Self.schedules.joined(separator: ", ")))")
        switch schedule {
        case "step":
            require(
                milestones.count == 1 && milestones[0] >= 1, "milestones",
                "schedule 'step' needs milestones: [period in epochs], one positive value, got \(milestones)")
        case "multistep":
            require(
                !milestones.isEmpty && milestones.allSatisfy({ $0 >= 1 }) && milestones == milestones.sorted()
                    && Set(milestones).count == milestones.count,
                "milestones", "schedule 'multistep' needs increasing positive epochs, got \(milestones)")
        default:
            require(
                milestones.isEmpty, "milestones",
                "only schedules 'step' and 'multistep' take milestones (schedule is '\(schedule)')")
        }
        require(gamma.isFinite && gamma > 0, "gamma", "must be a positive number, got \(gamma)")
        require(warmupEpochs >= 0, "warmup_epochs", "must be 0 or more, got \(warmupEpochs)")
        require(
            warmupEpochs < max(epochs, 1), "warmup_epochs", "must be fewer than epochs (\(epochs)), got \(warmupEpochs)"
        )
        for name in augment where !Self.augmentations.contains(name) {
            require(
                false, "augment",
                "unknown augmentation '\(name)' (one of \(Self.augmentations.joined(separator: ", ")))")
        }
        require(
            labelSmoothing.isFinite && labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing",
            "must be in [0, 1), got \(labelSmoothing)")
        if let preset { require(!preset.isEmpty, "preset", "must not be empty") }
        return found
    }
}
