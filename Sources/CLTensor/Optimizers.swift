/// Parameters that share hyperparameters (for example: no weight decay on batch-norm
/// scales, or a larger learning rate for a classifier head).
public struct ParameterGroup {
    public var parameters: [Variable]
    /// Current learning rate (schedules overwrite it each step or epoch).
    public var learningRate: Float
    /// The learning rate the group was created with; schedules scale from it.
    public let initialLearningRate: Float
    public var weightDecay: Float
    /// SGD momentum of this group (nil: the optimiser's), as PyTorch's per-group
    /// `momentum` (PRD's prototypes train without momentum beside a backbone with 0.9).
    /// Adam ignores it.
    public var momentum: Float?

    public init(parameters: [Variable], learningRate: Float, weightDecay: Float = 0, momentum: Float? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.initialLearningRate = learningRate
        self.weightDecay = weightDecay
        self.momentum = momentum
    }
}

/// An optimiser updates its groups' parameters in place from their gradients.
/// Parameters without a gradient (unused this step) are left untouched, as in PyTorch.
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get set }
    /// One update from the current gradients.
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for group in groups { for parameter in group.parameters { parameter.zeroGradient() } }
    }

    /// Sets every group's learning rate from its initial one.
    public func apply(_ schedule: LearningRateSchedule, at step: Int) {
        for index in groups.indices {
            groups[index].learningRate = schedule.learningRate(initial: groups[index].initialLearningRate, at: step)
        }
    }
}

/// Per-parameter optimiser state, kept by parameter identity.
struct OptimizerState {
    var slots: [ObjectIdentifier: [Float]] = [:]
}

/// Stochastic gradient descent with PyTorch's semantics: g ← g + λθ; b ← μb + g (b = g on
/// the first step); g ← g + μb (Nesterov) or g ← b; θ ← θ − η g.
public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    public var momentum: Float
    public var nesterov: Bool
    private var velocity = OptimizerState()

    public init(groups: [ParameterGroup], momentum: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0")
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public convenience init(
        parameters: [Variable], learningRate: Float, momentum: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
            momentum: momentum, nesterov: nesterov)
    }

    public func step() {
        for group in groups {
            let (rate, decay, mu) = (group.learningRate, group.weightDecay, group.momentum ?? momentum)
            for parameter in group.parameters {
                guard let gradient = parameter.grad else { continue }
                let key = ObjectIdentifier(parameter)
                let first = velocity.slots[key] == nil
                var buffer = velocity.slots.removeValue(forKey: key) ?? []
                if mu != 0 && first { buffer = [Float](repeating: 0, count: gradient.count) }
                parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                    gradient.scalars.withUnsafeBufferPointer { g in
                        buffer.withUnsafeMutableBufferPointer { b in
                            for i in 0..<theta.count {
                                var d = g[i] + decay * theta[i]
                                if mu != 0 {
                                    b[i] = first ? d : mu * b[i] + d
                                    d = nesterov ? d + mu * b[i] : b[i]
                                }
                                theta[i] -= rate * d
                            }
                        }
                    }
                }
                if mu != 0 { velocity.slots[key] = buffer }
            }
        }
    }
}

/// Adam (Kingma and Ba) with bias correction, PyTorch's semantics. `decoupled: false`
/// adds λθ to the gradient (Adam's L2 penalty); `decoupled: true` is AdamW (Loshchilov and
/// Hutter): θ ← θ(1 − ηλ) before the Adam step.
public final class Adam: Optimizer {
    public var groups: [ParameterGroup]
    public var beta1: Float, beta2: Float, epsilon: Float
    public let decoupledWeightDecay: Bool
    private var firstMoment = OptimizerState(), secondMoment = OptimizerState()
    private var steps: [ObjectIdentifier: Int] = [:]

    public init(
        groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, decoupledWeightDecay: Bool = false
    ) {
        self.groups = groups
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public convenience init(
        parameters: [Variable], learningRate: Float = 1e-3, weightDecay: Float = 0,
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
            beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public func step() {
        for group in groups {
            let (rate, decay) = (group.learningRate, group.weightDecay)
            for parameter in group.parameters {
                guard let gradient = parameter.grad else { continue }
                let key = ObjectIdentifier(parameter)
                let t = (steps[key] ?? 0) + 1
                steps[key] = t
                var m = firstMoment.slots.removeValue(forKey: key) ?? [Float](repeating: 0, count: gradient.count)
                var v = secondMoment.slots.removeValue(forKey: key) ?? [Float](repeating: 0, count: gradient.count)
                let correction1 = 1 - powf(beta1, Float(t)), correction2 = 1 - powf(beta2, Float(t))
                let stepSize = rate / correction1
                let (b1, b2, eps, decoupled) = (beta1, beta2, epsilon, decoupledWeightDecay)
                parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                    gradient.scalars.withUnsafeBufferPointer { g in
                        m.withUnsafeMutableBufferPointer { mb in
                            v.withUnsafeMutableBufferPointer { vb in
                                for i in 0..<theta.count {
                                    var d = g[i]
                                    if decoupled { theta[i] *= 1 - rate * decay } else { d += decay * theta[i] }
                                    mb[i] = b1 * mb[i] + (1 - b1) * d
                                    vb[i] = b2 * vb[i] + (1 - b2) * d * d
                                    theta[i] -= stepSize * mb[i] / ((vb[i] / correction2).squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
                firstMoment.slots[key] = m
                secondMoment.slots[key] = v
            }
        }
    }
}

/// Several optimisers stepping side by side, seen as one (their groups in order): for
/// parameter groups that need another algorithm than the rest, e.g. code vectors under
/// plain SGD beside a network under Adam (NAPA-VQ).
public final class CombinedOptimizer: Optimizer {
    public let parts: [Optimizer]

    public init(_ parts: [Optimizer]) { self.parts = parts }

    public var groups: [ParameterGroup] {
        get { parts.flatMap(\.groups) }
        set {
            precondition(newValue.count == parts.reduce(0) { $0 + $1.groups.count }, "group count changed")
            var start = 0
            for part in parts {
                let count = part.groups.count
                part.groups = Array(newValue[start..<(start + count)])
                start += count
            }
        }
    }

    public func step() { for part in parts { part.step() } }
}

/// AdamW: Adam with decoupled weight decay (PyTorch's default decay 0.01).
public func AdamW(
    parameters: [Variable], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
    beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
) -> Adam {
    Adam(
        groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
        beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: true)
}

#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif
