import CLTensor

/// PRD's projection MLP h: `layers` linear layers with a ReLU between each pair, no batch
/// norm: d → hidden (→ hidden …) → out. The official code's `main.py` builds RePE's
/// `SupConResNet` with `num_layers=3` (d → d → d → 128), not the `ProjectionMLP` default of
/// two that the paper's description (d → d → 128) suggests; cl-bench follows the code
/// (`projection_layers`, default 3). Found by the parity run against the authors' code
/// (results/parity/prd-split-mnist-prd.yaml). The supervised contrastive loss acts on
/// n(h(g(x))) so that its geometry lives in a space of its own, while g(x) itself is what
/// the prototypes classify and what relation distillation protects. Only training uses it;
/// inference reads g(x) alone.
final class ProjectionHead: Layer {
    let layers: [Linear]

    /// PyTorch's default initialisation, first layer first, from `generator`; `layers` ≥ 2.
    init(inputs: Int, hidden: Int, outputs: Int, layers: Int, generator: inout SeededGenerator) {
        var built = [Linear(inputs: inputs, outputs: hidden, generator: &generator)]
        for _ in 0..<max(0, layers - 2) { built.append(Linear(inputs: hidden, outputs: hidden, generator: &generator)) }
        built.append(Linear(inputs: hidden, outputs: outputs, generator: &generator))
        self.layers = built
    }

    /// h(x), not normalised.
    func callAsFunction(_ features: Variable) -> Variable {
        var x = features
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if index < layers.count - 1 { x = x.relu() }
        }
        return x
    }

    /// Named as in the official code's `head.layers.{i}.0` (each layer a one-linear `Sequential`), under the
    /// part name `projection` in the results file.
    var namedVariables: [(name: String, variable: Variable)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset).0", $0.element) }
    }
}

extension ProjectionHead: NetworkPart {}
