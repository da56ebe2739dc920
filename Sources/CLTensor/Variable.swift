/// A node of the differentiable computation: a tensor value, its accumulated gradient
/// and, for results of operations, how to push a gradient back to the operands.
///
/// Every operation (see the `*Ops.swift` files) computes its forward value and, in the same
/// place, a closure that receives the output's gradient and adds the operands' gradients.
/// `backward()` orders the graph topologically and runs those closures in reverse, which
/// is the whole "tape". Reference semantics let a parameter be shared by many operations
/// and let an optimiser update it in place.
public final class Variable {
    /// The forward value.
    public var value: Tensor
    /// The accumulated gradient of the last `backward()`, or nil when none reached it.
    public var grad: Tensor?
    /// Whether gradients are accumulated for this variable (parameters, and results of
    /// operations on them while gradient recording is on).
    public let requiresGrad: Bool
    /// The operands this value was computed from (empty for leaves).
    private(set) var parents: [Variable]
    /// Adds the operands' gradients given this value's gradient (nil for leaves).
    private var pullback: ((Tensor) -> Void)?
    /// Set when a `backward()` has used and released this node's pullback: another
    /// backward through it would silently lose the gradient to its operands.
    private var isFreed = false

    /// A leaf: a parameter (`requiresGrad: true`) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.pullback = nil
    }

    private init(value: Tensor, parents: [Variable], pullback: @escaping (Tensor) -> Void) {
        self.value = value
        self.requiresGrad = true
        self.parents = parents
        self.pullback = pullback
    }

    /// The result of an operation. Records the pullback only when gradient recording is on
    /// and some operand needs a gradient; otherwise the result is a constant and the closure
    /// (with the intermediate tensors it captures) is dropped at once.
    static func result(
        _ value: Tensor, _ parents: [Variable],
        _ pullback: @escaping (Tensor) -> Void
    ) -> Variable {
        _ = AllocatorTuning.applied
        if GradientMode.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            return Variable(value: value, parents: parents, pullback: pullback)
        }
        return Variable(value)
    }

    public var shape: [Int] { value.shape }
    public var rank: Int { value.rank }
    /// True for parameters and constants: values not computed by a recorded operation.
    public var isLeaf: Bool { pullback == nil }

    /// The same value cut off from the graph: no gradient flows through it (stop-gradient).
    public func detached() -> Variable { Variable(value) }

    /// Adds `gradient` into `grad` (gradients from several uses of a value add up).
    func accumulate(_ gradient: Tensor) {
        guard requiresGrad else { return }
        precondition(
            gradient.shape == value.shape,
            "gradient shape \(gradient.shape) does not match value shape \(value.shape)")
        if grad == nil {
            grad = gradient
        } else {
            grad!.scalars.withUnsafeMutableBufferPointer { g in
                gradient.scalars.withUnsafeBufferPointer { d in
                    let (gp, dp) = (g.baseAddress!, d.baseAddress!)
                    Parallel.forEachRange(of: g.count) { range in
                        for i in range { gp[i] += dp[i] }
                    }
                }
            }
        }
    }

    /// Adds consecutive blocks of `gradient` (each `blockSize` elements) into this variable's
    /// gradient at the flat `offsets` (the pullback of a slice), without building a
    /// full-size gradient that is zero elsewhere.
    func accumulate(_ gradient: Tensor, blocksOf blockSize: Int, atOffsets offsets: [Int]) {
        guard requiresGrad else { return }
        precondition(
            gradient.count == blockSize * offsets.count
                && offsets.allSatisfy { $0 >= 0 && $0 + blockSize <= value.count },
            "gradient blocks outside \(value.shape)")
        if grad == nil { grad = Tensor(shape: value.shape) }
        grad!.scalars.withUnsafeMutableBufferPointer { g in
            gradient.scalars.withUnsafeBufferPointer { d in
                for (index, offset) in offsets.enumerated() {
                    let source = index &* blockSize
                    for i in 0..<blockSize { g[offset &+ i] += d[source &+ i] }
                }
            }
        }
    }

    /// Reverse-mode differentiation from this value. `seed` defaults to ones (the usual
    /// call on a scalar loss). Leaves accumulate into `grad`; intermediate gradients and
    /// the recorded graph are released as soon as they have been used, so one forward
    /// pass supports one backward pass.
    ///
    /// A second `backward()` through a graph that an earlier one released is a programming
    /// error and stops with a message (a learner with several losses must add them and call
    /// `backward()` once; otherwise the later losses would silently lose their gradients).
    public func backward(seed: Tensor? = nil) {
        precondition(requiresGrad, "backward() on a value that does not depend on any parameter")
        precondition(!isFreed, Self.freedMessage)
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first post-order, so that deep networks cannot overflow the stack.
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for parent in node.parents where parent.requiresGrad {
                precondition(!parent.isFreed, Self.freedMessage)
                if !parent.isLeaf { stack.append((parent, false)) }
            }
        }
        accumulate(seed ?? Tensor(shape: shape, repeating: 1))
        for node in order.reversed() {
            guard let pullback = node.pullback else { continue }
            if let gradient = node.grad { pullback(gradient) }
            node.grad = nil
            node.pullback = nil
            node.parents = []
            node.isFreed = true
        }
    }

    static let freedMessage =
        "backward() through a graph that an earlier backward() already released: "
        + "add the losses and call backward() once (each forward pass supports one backward pass)"

    /// Clears the gradient (optimisers call this between steps).
    public func zeroGradient() { grad = nil }
}

/// Whether operations record their pullbacks. Evaluation runs inside `withoutGradient`
/// to save the memory and time of recording. A task-local value rather than a global, so
/// that one thread's evaluation cannot switch off another thread's training.
public enum GradientMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with gradient recording off.
public func withoutGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}
