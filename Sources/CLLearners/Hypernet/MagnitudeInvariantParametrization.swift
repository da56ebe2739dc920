import CLTensor

/// Magnitude Invariant Parametrizations (MIP; Ortiz et al., "Magnitude Invariant
/// Parametrizations Improve Hypernetwork Learning", ICLR 2024), `parametrization: mip`.
/// The paper's two changes, transferred from its scalar hyperparameter inputs to learned
/// task embeddings:
///
/// 1. Fixed-norm input encoding: the generator sees [cos e; sin e] (component-wise)
///    instead of e, whose norm is √d whatever e is, so the scale of the generated weights
///    cannot follow the embedding's magnitude. (The paper encodes an input x in [0, 1] as
///    [cos(πx/2), sin(πx/2)]; an embedding is unbounded, so we use the plain angle.) Only
///    the task embedding is encoded; chunk embeddings are positions and stay as they are.
/// 2. Additive output: Θ_t = θ₀ + h(enc(e_t), θ), with θ₀ a learned, input-independent
///    base initialised as the target network would be on its own (PyTorch's default
///    `nn.Linear` initialisation), so training starts from a well-scaled network and the
///    generator learns task-specific offsets.
///
/// θ₀ belongs to the shared parameters: it is trained and, because it is part of Θ_t, it
/// is protected by the output regulariser like the rest of θ.
final class MagnitudeInvariantParametrization {
    let base: Variable

    init(target: TargetNetwork, generator: inout SeededGenerator) {
        base = Variable(target.defaultInitialization(generator: &generator), requiresGrad: true)
    }

    /// [cos e; sin e] for e of shape [d]: shape [2d].
    static func encode(_ embedding: Variable) -> Variable {
        concatenate([embedding.cos(), embedding.sin()], axis: 0)
    }

    /// θ₀ + generated.
    func apply(to generated: Variable) -> Variable { base + generated }
}
