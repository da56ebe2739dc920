import CLTensor

/// The target network of a hypernetwork: a plain ReLU MLP that owns no parameters. Its
/// complete weight vector Θ (every layer's weight [out, in] then bias [out], layer after
/// layer, as PyTorch's `state_dict` order) is handed in on every call, so gradients flow
/// from the task loss into whatever generated Θ.
///
/// The output layer is multi-headed, as in the official code's `--split_head_cl3` runs
/// that produce the reference numbers: every task owns its own output units (`heads`), and
/// a task's prediction is the softmax over its head only. On task-incremental streams the
/// heads are the tasks' classes (learner labels, disjoint); on permuted streams, where every
/// task has the same 10 classes, task t owns units t·10 ..< (t+1)·10.
struct TargetNetwork: Sendable {
    /// Input size, hidden widths and output size, e.g. [784, 100, 100, 10].
    let layerSizes: [Int]

    init(inputSize: Int, hiddenWidths: [Int], outputSize: Int) {
        precondition(
            inputSize > 0 && outputSize > 0 && hiddenWidths.allSatisfy { $0 > 0 },
            "target network sizes must be positive")
        layerSizes = [inputSize] + hiddenWidths + [outputSize]
    }

    /// Number of linear layers.
    var layerCount: Int { layerSizes.count - 1 }

    /// Number of scalars of layer `l` (weight then bias).
    func parameterCount(layer l: Int) -> Int { layerSizes[l + 1] * layerSizes[l] + layerSizes[l + 1] }

    /// n_Θ: the length of the weight vector a generator must produce.
    var parameterCount: Int { (0..<layerCount).reduce(0) { $0 + parameterCount(layer: $1) } }

    /// Where layer `l` starts in Θ.
    func offset(layer l: Int) -> Int { (0..<l).reduce(0) { $0 + parameterCount(layer: $1) } }

    /// Output scores [n, outputSize] of `input` [n, inputSize] under weights `theta` [n_Θ].
    func callAsFunction(_ input: Variable, theta: Variable) -> Variable {
        precondition(theta.shape == [parameterCount], "Θ must have \(parameterCount) scalars, got \(theta.shape)")
        var x = input
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            let start = offset(layer: l)
            let weight = theta.slice(axis: 0, start..<(start + fanOut * fanIn)).reshaped([fanOut, fanIn])
            let bias = theta.slice(axis: 0, (start + fanOut * fanIn)..<(start + fanOut * fanIn + fanOut))
            x = linear(x, weight: weight, bias: bias)
            if l < layerCount - 1 { x = x.relu() }
        }
        return x
    }

    /// A mask over Θ that is 1 everywhere except at the output layer's units not in
    /// `outputs` (their weight rows and biases): what the output regulariser keeps of an
    /// old task with a multi-head output.
    func mask(keepingOutputs outputs: [Int]) -> Tensor {
        var mask = [Float](repeating: 1, count: parameterCount)
        let l = layerCount - 1
        let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
        let start = offset(layer: l)
        let kept = Set(outputs)
        for unit in 0..<fanOut where !kept.contains(unit) {
            for i in 0..<fanIn { mask[start + unit * fanIn + i] = 0 }
            mask[start + fanOut * fanIn + unit] = 0
        }
        return Tensor(shape: [parameterCount], scalars: mask)
    }

    /// Θ as PyTorch-style named tensors (`layers.0.weight`, ...), for the results file.
    func stateDictionary(_ theta: Tensor, prefix: String) -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            let start = offset(layer: l)
            state["\(prefix)layers.\(l).weight"] = Tensor(
                shape: [fanOut, fanIn], scalars: Array(theta.scalars[start..<(start + fanOut * fanIn)]))
            state["\(prefix)layers.\(l).bias"] = Tensor(
                shape: [fanOut],
                scalars: Array(theta.scalars[(start + fanOut * fanIn)..<(start + fanOut * fanIn + fanOut)]))
        }
        return state
    }

    /// The standard deviation of layer `l`'s scalars under `defaultInitialization`: uniform
    /// in ±1/√fan_in has deviation 1/√(3·fan_in).
    func defaultDeviation(layer l: Int) -> Float { 1 / Float(3 * layerSizes[l]).squareRoot() }

    /// A conventional initialisation of Θ (PyTorch's `nn.Linear` default: weights and
    /// biases uniform in ±1/√fan_in): the learned base of the MIP parametrisation.
    func defaultInitialization(generator: inout SeededGenerator) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(parameterCount)
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            scalars +=
                Initializer.pytorchDefault([fanOut * fanIn + fanOut], fanIn: fanIn, generator: &generator).scalars
        }
        return Tensor(shape: [parameterCount], scalars: scalars)
    }
}
