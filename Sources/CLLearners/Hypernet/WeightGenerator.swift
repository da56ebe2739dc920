import CLTensor

/// What a hypernetwork maps to target weights for one task: the task embedding e_t and
/// the chunk embeddings c_1...c_K it is combined with (shared by all tasks, or the task's
/// own when `conditional_chunk_embeddings` is on, as in the reference Permuted-MNIST run).
struct TaskCondition {
    /// e_t, shape [embeddingSize] (already encoded when MIP is on).
    var embedding: Variable
    /// [chunkCount, chunkEmbeddingSize]; nil for an unchunked generator.
    var chunkEmbeddings: Variable?
}

/// A generator h(e, θ) of the complete weight vector Θ of a target network. Two kinds ship:
/// `ChunkedMLPGenerator` (von Oswald et al.; chunked or whole) and `RecurrentGenerator`
/// (the dependency-preserving hypernetwork). They own θ; the learner owns the embeddings.
protocol WeightGenerator: AnyObject {
    /// θ: every trainable tensor of the generator (embeddings excluded).
    var parameters: [Variable] { get }
    /// n_Θ: the length of the vector `generate` returns.
    var outputLength: Int { get }
    /// Number of chunk embeddings the generator needs per task (0: unchunked).
    var chunkCount: Int { get }
    /// Θ = h(condition, θ), shape [outputLength].
    func generate(_ condition: TaskCondition) -> Variable
}

/// A hidden-layer non-linearity of a generator.
enum GeneratorActivation: String, CaseIterable, HyperparameterChoice {
    case relu, sigmoid, tanh

    func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .relu: return x.relu()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        }
    }
}

/// The first layer of a generator applied to [e; c_i] for every chunk i at once, without
/// building the concatenation: W [e; c_i] + b = W_e e + W_c c_i + b, so the embedding's
/// product is computed once and broadcast over the K chunk rows.
final class ConditionedInputLayer {
    let embeddingWeight: Variable  // [out, embeddingSize]
    let chunkWeight: Variable?  // [out, chunkEmbeddingSize]
    let bias: Variable  // [out]

    /// Xavier-uniform weights over the whole input width, zero bias (the initialisation of
    /// the official code's hypernetwork layers).
    init(embeddingSize: Int, chunkEmbeddingSize: Int, outputSize: Int, generator: inout SeededGenerator) {
        let fanIn = embeddingSize + chunkEmbeddingSize
        let full = Initializer.xavierUniform([outputSize, fanIn], generator: &generator)
        var e: [Float] = [], c: [Float] = []
        for row in 0..<outputSize {
            e += full.scalars[(row * fanIn)..<(row * fanIn + embeddingSize)]
            c += full.scalars[(row * fanIn + embeddingSize)..<((row + 1) * fanIn)]
        }
        embeddingWeight = Variable(Tensor(shape: [outputSize, embeddingSize], scalars: e), requiresGrad: true)
        chunkWeight =
            chunkEmbeddingSize > 0
            ? Variable(Tensor(shape: [outputSize, chunkEmbeddingSize], scalars: c), requiresGrad: true) : nil
        bias = Variable(Tensor(shape: [outputSize]), requiresGrad: true)
    }

    var parameters: [Variable] { [embeddingWeight] + (chunkWeight.map { [$0] } ?? []) + [bias] }

    /// [rows, out]: rows = chunk count (or 1 when unchunked).
    func callAsFunction(_ condition: TaskCondition) -> Variable {
        let fromEmbedding = linear(condition.embedding.reshaped([1, -1]), weight: embeddingWeight, bias: bias)
        guard let chunkWeight, let chunks = condition.chunkEmbeddings else { return fromEmbedding }
        return linear(chunks, weight: chunkWeight) + fromEmbedding
    }
}

/// A dense layer of a generator: Xavier-uniform weights, zero bias.
final class GeneratorLayer {
    let weight: Variable
    let bias: Variable

    init(inputSize: Int, outputSize: Int, generator: inout SeededGenerator) {
        weight = Variable(
            Initializer.xavierUniform([outputSize, inputSize], generator: &generator), requiresGrad: true)
        bias = Variable(Tensor(shape: [outputSize]), requiresGrad: true)
    }

    var parameters: [Variable] { [weight, bias] }
    func callAsFunction(_ x: Variable) -> Variable { linear(x, weight: weight, bias: bias) }
}
