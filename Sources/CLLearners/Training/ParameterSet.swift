import CLTensor

/// A named group of parameters with its own learning rate and weight decay (nil: the
/// protocol's `training.lr` / `training.weight_decay`), or frozen: what a learner hands the
/// `TrainingLoop` so that, say, NAPA-VQ's code vectors train at lr 5 beside a backbone at
/// 0.1, and old prototypes stay exactly as they were.
public struct ParameterSet {
    public var name: String
    public var parameters: [Variable]
    public var learningRate: Double?
    public var weightDecay: Double?
    /// SGD momentum (nil: the protocol's `training.momentum`).
    public var momentum: Double?
    /// Frozen parameters are never updated (their gradients are cleared every step).
    public var frozen: Bool
    /// Which optimiser updates the set.
    public var optimizer: Choice

    /// The optimiser of a set: the `training:` block's, or plain SGD (no momentum) whatever
    /// the block says. NAPA-VQ's code trains the network with Adam but its code vectors with
    /// plain SGD at lr 5: under Adam an lr of 5 would move every coordinate by about 5 per
    /// step, and under momentum 0.9 the effective rate would be ten times the stated one.
    public enum Choice: Sendable, Equatable { case trainingBlock, plainSGD }

    public init(
        _ name: String, _ parameters: [Variable], learningRate: Double? = nil, weightDecay: Double? = nil,
        momentum: Double? = nil, frozen: Bool = false, optimizer: Choice = .trainingBlock
    ) {
        self.name = name
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.frozen = frozen
        self.optimizer = optimizer
    }
}

/// The optimiser and learning-rate schedule that a `training:` block describes. The
/// protocol parser has already validated every key, so these only fail on programming
/// errors.
enum OptimizerFactory {
    /// The optimiser of `config` over the sets that are not frozen, one group each; sets
    /// that ask for plain SGD get their own SGD beside it (both follow the one schedule).
    static func optimizer(_ config: TrainingConfig, sets: [ParameterSet]) -> Optimizer {
        func groups(_ choice: ParameterSet.Choice) -> [ParameterGroup] {
            sets.filter { !$0.frozen && $0.optimizer == choice }.map { set in
                ParameterGroup(
                    parameters: set.parameters, learningRate: Float(set.learningRate ?? config.learningRate),
                    weightDecay: Float(set.weightDecay ?? config.weightDecay), momentum: set.momentum.map(Float.init))
            }
        }
        let main = optimizer(config, groups: groups(.trainingBlock))
        let plain = groups(.plainSGD)
        guard !plain.isEmpty else { return main }
        return CombinedOptimizer([main, SGD(groups: plain)])
    }

    private static func optimizer(_ config: TrainingConfig, groups: [ParameterGroup]) -> Optimizer {
        switch config.optimizer {
        case "sgd": return SGD(groups: groups, momentum: Float(config.momentum), nesterov: config.nesterov)
        case "adam": return Adam(groups: groups)
        case "adamw": return Adam(groups: groups, decoupledWeightDecay: true)
        default:
            preconditionFailure(
                "unknown optimizer '\(config.optimizer)' (the protocol parser validates training.optimizer)")
        }
    }

    /// The learning-rate schedule of `config` over `totalSteps` steps, applied per step:
    /// CPU-sized runs have few epochs, and a per-epoch cosine would be a coarse staircase.
    /// `milestones` and `warmup_epochs` are in epochs and converted to steps.
    static func schedule(_ config: TrainingConfig, stepsPerEpoch: Int, totalSteps: Int) -> LearningRateSchedule {
        let warmupSteps = min(config.warmupEpochs * stepsPerEpoch, totalSteps)
        let mainSteps = max(1, totalSteps - warmupSteps)
        let gamma = Float(config.gamma)
        let main: LearningRateSchedule
        switch config.schedule {
        case "constant": main = ConstantSchedule()
        case "cosine": main = CosineSchedule(total: mainSteps)
        case "step": main = StepSchedule(period: config.milestones[0] * stepsPerEpoch, factor: gamma)
        case "multistep":
            main = MultiStepSchedule(milestones: config.milestones.map { $0 * stepsPerEpoch }, factor: gamma)
        default:
            preconditionFailure(
                "unknown schedule '\(config.schedule)' (the protocol parser validates training.schedule)")
        }
        guard warmupSteps > 0 else { return main }
        // Start at 1/warmupSteps of the rate rather than 0: a zero-rate first step is wasted.
        return WarmupSchedule(steps: warmupSteps, startFactor: 1 / Float(warmupSteps), then: main)
    }
}
