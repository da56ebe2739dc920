import CLTensor

/// The dependency-preserving hypernetwork (`generator: rnn`), after Chandra et al.,
/// "Continual Learning with Dependency Preserving Hypernetworks" (WACV 2023). No official
/// code exists; this is derived from the paper's idea: a recurrent network emits the
/// target network layer by layer, so that a layer's weights depend on the layers emitted
/// before it through the hidden state, instead of every chunk being generated
/// independently as in the chunked MLP hypernetwork. Every choice below is ours:
///
/// - Cell: an Elman RNN, h_s = tanh(W_x [e_t; c_s] + W_h h_{s-1} + b), h_0 = 0 (the
///   simplest cell that carries a dependency; no LSTM/GRU gates).
/// - Steps: the target's layers in order (layer 0 first), each layer's weight-then-bias
///   block cut into ceil(n_l / chunkSize) steps; a chunk never spans two layers, so each
///   step emits part of exactly one layer and the last step of a layer is trimmed. With
///   `chunkSize` 0 every layer is one step of width max_l n_l.
/// - Step input: the task embedding e_t (at every step, so the task cannot be forgotten
///   along the sequence) and a learned per-step embedding c_s (the position in the
///   target network), exactly the inputs of the chunked MLP generator.
/// - State size: the last hypernetwork hidden width (`hnet_hidden`), so both generators have
///   the same output layer, W_o [chunkSize, state], which holds most of the parameters.
/// - Output: o_s = γ_l (W_o h_s + b_o), linear; Xavier-uniform weights, zero biases, and a
///   fixed (not learned) gain γ_l per target layer l, so that at initialisation each
///   generated layer is at most as spread as the target network would be on its own
///   (PyTorch's default, deviation 1/√(3·fan_in)): γ_l = σ_l / σ_o with σ_o =
///   √(state · 2/(width + state)), the output deviation of W_o for states of magnitude 1
///   (tanh's bound). W_o is shared by every layer, so one initialisation cannot suit a
///   784-input layer and a 100-input one; without the gain, layer 0 of the (100, 100)
///   MNIST MLP came out ~10x too wide (deviation 0.2-0.3 against 0.02), its mean drifted
///   negative during training, and on Permuted-MNIST whole tasks ended with every
///   first-layer ReLU dead (chance accuracy; 61.03 ± 15.40% task-aware over 3 seeds).
/// - The task embedding enters through the input only; it is not the initial state (a
///   choice that keeps the first layer's chunks as task-dependent as the last's).
final class RecurrentGenerator: WeightGenerator {
    let outputLength: Int
    let chunkSize: Int
    let chunkCount: Int
    let stateSize: Int
    let input: ConditionedInputLayer
    let recurrent: Variable  // W_h [state, state]
    let output: GeneratorLayer
    /// Positions of Θ's scalars in the flattened [steps, width] output (drops the trimmed tails).
    let validPositions: [Int]
    let stepWidth: Int
    /// γ_l of each step's layer, shape [steps, 1] (constant).
    let stepGains: Tensor

    /// - Parameters:
    ///   - layerParameterCounts: n_l, the scalars of each target layer (weight then bias).
    ///   - layerDeviations: σ_l, the deviation each target layer would be initialised with on its own.
    init(
        layerParameterCounts: [Int], layerDeviations: [Float], embeddingSize: Int, chunkSize: Int,
        chunkEmbeddingSize: Int,
        stateSize: Int, generator: inout SeededGenerator
    ) {
        precondition(
            !layerParameterCounts.isEmpty && layerParameterCounts.allSatisfy { $0 > 0 } && stateSize > 0
                && chunkSize >= 0)
        precondition(layerDeviations.count == layerParameterCounts.count && layerDeviations.allSatisfy { $0 > 0 })
        outputLength = layerParameterCounts.reduce(0, +)
        self.chunkSize = chunkSize
        self.stateSize = stateSize
        stepWidth = chunkSize > 0 ? chunkSize : layerParameterCounts.max()!
        var positions: [Int] = []
        positions.reserveCapacity(outputLength)
        var gains: [Float] = []
        let outputDeviation = (Float(2 * stateSize) / Float(stepWidth + stateSize)).squareRoot()
        var step = 0
        for (count, deviation) in zip(layerParameterCounts, layerDeviations) {
            let steps = (count + stepWidth - 1) / stepWidth
            for local in 0..<steps {
                let length = min(stepWidth, count - local * stepWidth)
                positions += ((step + local) * stepWidth)..<((step + local) * stepWidth + length)
            }
            gains += Array(repeating: deviation / outputDeviation, count: steps)
            step += steps
        }
        chunkCount = step
        validPositions = positions
        stepGains = Tensor(shape: [step, 1], scalars: gains)
        input = ConditionedInputLayer(
            embeddingSize: embeddingSize, chunkEmbeddingSize: chunkEmbeddingSize,
            outputSize: stateSize, generator: &generator)
        recurrent = Variable(
            Initializer.xavierUniform([stateSize, stateSize], generator: &generator), requiresGrad: true)
        output = GeneratorLayer(inputSize: stateSize, outputSize: stepWidth, generator: &generator)
    }

    var parameters: [Variable] { input.parameters + [recurrent] + output.parameters }

    func generate(_ condition: TaskCondition) -> Variable {
        precondition(
            condition.chunkEmbeddings?.shape[0] == chunkCount,
            "the recurrent generator needs \(chunkCount) step embeddings")
        // The input projections of all steps in one product; only the recurrence is sequential.
        let projected = input(condition)  // [steps, state]
        var states: [Variable] = []
        states.reserveCapacity(chunkCount)
        var state: Variable? = nil
        for s in 0..<chunkCount {
            var preactivation = projected.slice(axis: 0, s..<(s + 1))
            if let state { preactivation = preactivation + linear(state, weight: recurrent) }
            let next = preactivation.tanh()
            states.append(next)
            state = next
        }
        let emitted = (output(concatenate(states, axis: 0)) * Variable(stepGains)).reshaped([-1])  // [steps * width]
        return validPositions.count == emitted.shape[0] ? emitted : emitted.indexSelect(validPositions, axis: 0)
    }
}
