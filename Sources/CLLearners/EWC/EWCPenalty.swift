import CLTensor

/// The state of online EWC (Schwarz et al., "Progress & Compress", ICML 2018): the running
/// diagonal Fisher F ← γ F + F_t and the parameters θ* at the end of the last task, one
/// tensor per parameter in the learner's parameter order. The penalty is
/// λ Σ_k F_k (θ_k − θ*_k)², as Mammoth's `ewc_on.py` computes it (no ½: its `e_lambda`
/// is λ/2 of the textbook form). A `StatePart`: checkpointed and resumed exactly.
///
/// A parameter that grew since (a linear head's new rows: its tensor is longer, the old
/// values first) is covered on its old entries only: the new ones get F = 0.
public final class EWCPenalty: StatePart {
    public private(set) var fisher: [Tensor] = []
    public private(set) var anchor: [Tensor] = []

    public init() {}

    public var isEmpty: Bool { fisher.isEmpty }

    /// F ← γ F + `taskFisher`, θ* ← `parameters` now.
    func consolidate(taskFisher: [Tensor], parameters: [Variable], gamma: Float) {
        let previous = fisher
        fisher = taskFisher.enumerated().map { k, current in
            guard k < previous.count else { return current }
            let old = Self.padded(previous[k], to: current.count)
            return Tensor(shape: current.shape, scalars: zip(old, current.scalars).map { gamma * $0 + $1 })
        }
        anchor = parameters.map(\.value)
    }

    /// The penalty's constants for `parameters` as they are shaped now (built once per task,
    /// after the head grows, not once per step).
    func terms(for parameters: [Variable]) -> Terms {
        Terms(
            parameters: parameters.enumerated().filter { $0.offset < fisher.count }.map { k, parameter in
                let count = parameter.value.count
                return (
                    parameter,
                    Variable(Tensor(shape: parameter.shape, scalars: Self.padded(anchor[k], to: count))),
                    Variable(Tensor(shape: parameter.shape, scalars: Self.padded(fisher[k], to: count)))
                )
            })
    }

    /// λ Σ F (θ − θ*)² over parameters, with F and θ* fixed.
    struct Terms {
        let parameters: [(value: Variable, anchor: Variable, fisher: Variable)]

        var isEmpty: Bool { parameters.isEmpty }

        /// λ Σ F (θ − θ*)² (a constant 0 when nothing is consolidated).
        func penalty(lambda: Float) -> Variable {
            var total: Variable?
            for (value, anchor, fisher) in parameters {
                let term = ((value - anchor).squared() * fisher).sum()
                total = total.map { $0 + term } ?? term
            }
            return (total ?? Variable(Tensor(shape: [], scalars: [0]))) * lambda
        }
    }

    /// The scalars of `tensor`, cut or extended with zeros to `count`.
    private static func padded(_ tensor: Tensor, to count: Int) -> [Float] {
        let scalars = tensor.scalars
        if scalars.count >= count { return Array(scalars.prefix(count)) }
        return scalars + [Float](repeating: 0, count: count - scalars.count)
    }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        try checkpoint.store(fisher.count, as: name + ".count")
        for k in fisher.indices {
            checkpoint.tensors["\(name).fisher.\(k)"] = fisher[k]
            checkpoint.tensors["\(name).anchor.\(k)"] = anchor[k]
        }
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        let count = try checkpoint.value(Int.self, named: name + ".count")
        guard count >= 0, count <= 1 << 20 else {
            throw LearnerCheckpoint.Mismatch(name: name, detail: "\(count) parameters")
        }
        fisher = try (0..<count).map { try checkpoint.tensor("\(name).fisher.\($0)") }
        anchor = try (0..<count).map { try checkpoint.tensor("\(name).anchor.\($0)") }
    }
}
