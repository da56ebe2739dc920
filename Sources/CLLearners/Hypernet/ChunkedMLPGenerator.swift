import CLTensor

/// The hypernetwork of von Oswald et al. (ICLR 2020), following the official code's
/// chunked MLP hypernetwork (hypercl `ChunkedHyperNetworkHandler`; `chunked_hmlp` in
/// posterior_replay_cl): an MLP maps [e_t; c_i] to chunk i of Θ, for learned chunk
/// embeddings c_1...c_K, K = ceil(n_Θ / chunkSize); the chunks are concatenated and the
/// tail beyond n_Θ is dropped. With `chunkSize` 0 it is the whole-vector hypernetwork:
/// one row, input e_t only, output n_Θ.
///
/// All K chunks go through the MLP as the rows of one matrix, so a forward pass is one
/// matrix product per layer whatever K is (the "many small products" become few large ones).
///
/// Choices: hidden non-linearity ReLU by default (posterior_replay_cl's default
/// `--hnet_net_act`, `utils/cli_args.py` via `dnet_act='relu'` in prob_mnist's train_args;
/// its Split- and Permuted-MNIST reference runs do not override it); Xavier-uniform weights
/// and zero biases (the code: PyTorch's default uniform init for both); no non-linearity on
/// the output.
final class ChunkedMLPGenerator: WeightGenerator {
    let outputLength: Int
    let chunkSize: Int
    let chunkCount: Int
    let input: ConditionedInputLayer
    let layers: [GeneratorLayer]
    let activation: GeneratorActivation

    /// - Parameters:
    ///   - hidden: hidden widths (may be empty: one linear map from the condition to the chunk).
    ///   - chunkSize: scalars per chunk; 0 for an unchunked generator.
    init(
        outputLength: Int, embeddingSize: Int, chunkSize: Int, chunkEmbeddingSize: Int, hidden: [Int],
        activation: GeneratorActivation, generator: inout SeededGenerator
    ) {
        precondition(outputLength > 0 && embeddingSize > 0 && chunkSize >= 0)
        self.outputLength = outputLength
        self.chunkSize = chunkSize
        self.chunkCount = chunkSize > 0 ? (outputLength + chunkSize - 1) / chunkSize : 0
        self.activation = activation
        let rowOutput = chunkSize > 0 ? chunkSize : outputLength
        let widths = hidden + [rowOutput]
        input = ConditionedInputLayer(
            embeddingSize: embeddingSize, chunkEmbeddingSize: chunkSize > 0 ? chunkEmbeddingSize : 0,
            outputSize: widths[0], generator: &generator)
        layers = zip(widths.dropLast(), widths.dropFirst()).map {
            GeneratorLayer(inputSize: $0, outputSize: $1, generator: &generator)
        }
    }

    var parameters: [Variable] { input.parameters + layers.flatMap(\.parameters) }

    func generate(_ condition: TaskCondition) -> Variable {
        precondition(
            chunkCount == 0 || condition.chunkEmbeddings?.shape[0] == chunkCount,
            "a chunked generator needs \(chunkCount) chunk embeddings")
        var x = input(condition)
        for layer in layers {
            x = layer(activation(x))
        }
        let flat = x.reshaped([-1])
        return flat.shape[0] == outputLength ? flat : flat.slice(axis: 0, 0..<outputLength)
    }
}
