#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

/// A learning rate as a function of the step (or epoch: the caller chooses the unit and
/// calls `optimizer.apply(schedule, at:)` with the same unit), given the initial rate.
public protocol LearningRateSchedule {
    func learningRate(initial: Float, at step: Int) -> Float
}

/// The initial rate throughout.
public struct ConstantSchedule: LearningRateSchedule {
    public init() {}
    public func learningRate(initial: Float, at step: Int) -> Float { initial }
}

/// Multiplied by `factor` every `period` steps (PyTorch StepLR).
public struct StepSchedule: LearningRateSchedule {
    public var period: Int, factor: Float
    public init(period: Int, factor: Float = 0.1) { self.period = period; self.factor = factor }
    public func learningRate(initial: Float, at step: Int) -> Float {
        initial * powf(factor, Float(step / period))
    }
}

/// Multiplied by `factor` at each milestone passed (PyTorch MultiStepLR).
public struct MultiStepSchedule: LearningRateSchedule {
    public var milestones: [Int], factor: Float
    public init(milestones: [Int], factor: Float = 0.1) { self.milestones = milestones; self.factor = factor }
    public func learningRate(initial: Float, at step: Int) -> Float {
        initial * powf(factor, Float(milestones.filter { step >= $0 }.count))
    }
}

/// Cosine annealing from the initial rate to `minimum` over `total` steps (PyTorch
/// CosineAnnealingLR's closed form), then held at `minimum`.
public struct CosineSchedule: LearningRateSchedule {
    public var total: Int, minimum: Float
    public init(total: Int, minimum: Float = 0) { self.total = total; self.minimum = minimum }
    public func learningRate(initial: Float, at step: Int) -> Float {
        let t = Float(Swift.min(step, total)) / Float(Swift.max(total, 1))
        return minimum + (initial - minimum) * (1 + cosf(Float.pi * t)) / 2
    }
}

/// Linear warm-up from initial·`startFactor` to the initial rate over `steps` steps, then
/// `after` with its step count shifted to start at 0 when warm-up ends.
public struct WarmupSchedule: LearningRateSchedule {
    public var steps: Int, startFactor: Float
    public var after: LearningRateSchedule
    public init(steps: Int, startFactor: Float = 0, then after: LearningRateSchedule = ConstantSchedule()) {
        self.steps = steps; self.startFactor = startFactor; self.after = after
    }
    public func learningRate(initial: Float, at step: Int) -> Float {
        if step < steps {
            let fraction = Float(step) / Float(steps)
            return initial * (startFactor + (1 - startFactor) * fraction)
        }
        return after.learningRate(initial: initial, at: step - steps)
    }
}
