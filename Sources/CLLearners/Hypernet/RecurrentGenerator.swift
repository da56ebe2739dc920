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
/// - Output: o_s = W_o h_s + b_o, linear; Xavier-uniform weights, zero biases.
/// - The task embedding enters through the input only; it is not the initial state (a
///   choice that keeps the first layer's chunks as task-dependent as the last's).
final class RecurrentGenerator: WeightGenerator {
    let outputLength: Int
    let chunkSize: Int
    let chunkCount: Int
    let stateSize: Int
    let input: ConditionedInputLayer
    let recurrent: Variable   // W_h [state, state]
    let output: GeneratorLayer
    /// Positions of Θ's scalars in the flattened [steps, width] output (drops the trimmed tails).
    let validPositions: [Int]
    let stepWidth: Int

    init(layerParameterCounts: [Int], embeddingSize: Int, chunkSize: Int, chunkEmbeddingSize: Int, stateSize: Int,
         generator: inout SeededGenerator) {
        precondition(!layerParameterCounts.isEmpty && layerParameterCounts.allSatisfy { $0 > 0 } && stateSize > 0 && chunkSize >= 0)
        outputLength = layerParameterCounts.reduce(0, +)
        self.chunkSize = chunkSize
        self.stateSize = stateSize
        stepWidth = chunkSize > 0 ? chunkSize : layerParameterCounts.max()!
        var positions: [Int] = []
        positions.reserveCapacity(outputLength)
        var step = 0
        for count in layerParameterCounts {
            let steps = (count + stepWidth - 1) / stepWidth
            for local in 0..<steps {
                let length = min(stepWidth, count - local * stepWidth)
                positions += ((step + local) * stepWidth)..<((step + local) * stepWidth + length)
            }
            step += steps
        }
        chunkCount = step
        validPositions = positions
        input = ConditionedInputLayer(embeddingSize: embeddingSize, chunkEmbeddingSize: chunkEmbeddingSize,
                                      outputSize: stateSize, generator: &generator)
        recurrent = Variable(Initializer.xavierUniform([stateSize, stateSize], generator: &generator), requiresGrad: true)
        output = GeneratorLayer(inputSize: stateSize, outputSize: stepWidth, generator: &generator)
    }

    var parameters: [Variable] { input.parameters + [recurrent] + output.parameters }

    func generate(_ condition: TaskCondition) -> Variable {
        precondition(condition.chunkEmbeddings?.shape[0] == chunkCount, "the recurrent generator needs \(chunkCount) step embeddings")
        // The input projections of all steps in one product; only the recurrence is sequential.
        let projected = input(condition)   // [steps, state]
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
        let emitted = output(concatenate(states, axis: 0)).reshaped([-1])   // [steps * width]
        return validPositions.count == emitted.shape[0] ? emitted : emitted.indexSelect(validPositions, axis: 0)
    }
}
