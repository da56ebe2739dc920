import CLTensor

/// PRD's projection MLP h: Linear(d, hidden) → ReLU → Linear(hidden, out), no batch norm
/// (the official code's `ProjectionMLP` with two layers). The supervised contrastive loss
/// acts on n(h(g(x))) so that its geometry lives in a space of its own, while g(x) itself is
/// what the prototypes classify and what relation distillation protects. Only training
/// uses it; inference reads g(x) alone.
final class ProjectionHead: Layer {
    let hidden: Linear
    let output: Linear

    /// PyTorch's default initialisation, hidden layer first, from `generator`.
    init(inputs: Int, hidden: Int, outputs: Int, generator: inout SeededGenerator) {
        self.hidden = Linear(inputs: inputs, outputs: hidden, generator: &generator)
        self.output = Linear(inputs: hidden, outputs: outputs, generator: &generator)
    }

    /// h(x), not normalised.
    func callAsFunction(_ features: Variable) -> Variable { output(hidden(features).relu()) }

    /// Named as in the official code's `head.layers.{0,1}.0` (each layer a one-linear `Sequential`).
    var namedVariables: [(name: String, variable: Variable)] {
        prefixed("projection.layers.0.0", hidden) + prefixed("projection.layers.1.0", output)
    }
}
