import CLTensor

/// The whole model of the `hypernet` learner: one embedding per task (and, optionally, the
/// task's own chunk embeddings), a weight generator, the optional MIP parametrisation, and
/// the target network the generated weights run in. Θ_t = h(e_t, θ) (or θ₀ + h(enc(e_t), θ)
/// with MIP) is all there is per task: nothing else of the target network is stored.
final class TaskConditionedHypernetwork {
    let target: TargetNetwork
    let generator: any WeightGenerator
    let mip: MagnitudeInvariantParametrization?
    let embeddingSize: Int
    let chunkEmbeddingSize: Int
    let conditionalChunkEmbeddings: Bool
    let embeddingDeviation: Float
    let chunkEmbeddingDeviation: Float
    /// e_t for every task added so far.
    private(set) var taskEmbeddings: [Variable] = []
    /// The tasks' own chunk embeddings (conditional) or empty.
    private(set) var taskChunkEmbeddings: [Variable] = []
    /// Chunk embeddings shared by all tasks (part of θ), when not conditional.
    let sharedChunkEmbeddings: Variable?

    init(
        target: TargetNetwork, generator: any WeightGenerator, mip: MagnitudeInvariantParametrization?,
        embeddingSize: Int,
        chunkEmbeddingSize: Int, conditionalChunkEmbeddings: Bool, embeddingDeviation: Float,
        chunkEmbeddingDeviation: Float,
        initialization: inout SeededGenerator
    ) {
        precondition(generator.outputLength == target.parameterCount, "the generator must emit exactly n_Θ scalars")
        self.target = target
        self.generator = generator
        self.mip = mip
        self.embeddingSize = embeddingSize
        self.chunkEmbeddingSize = chunkEmbeddingSize
        self.conditionalChunkEmbeddings = conditionalChunkEmbeddings
        self.embeddingDeviation = embeddingDeviation
        self.chunkEmbeddingDeviation = chunkEmbeddingDeviation
        if generator.chunkCount > 0 && !conditionalChunkEmbeddings {
            sharedChunkEmbeddings = Variable(
                Initializer.normal(
                    [generator.chunkCount, chunkEmbeddingSize], deviation: chunkEmbeddingDeviation,
                    generator: &initialization), requiresGrad: true)
        } else {
            sharedChunkEmbeddings = nil
        }
    }

    var taskCount: Int { taskEmbeddings.count }

    /// Adds the embedding(s) of a new task, drawn from `generator`.
    func addTask(generator random: inout SeededGenerator) {
        taskEmbeddings.append(
            Variable(
                Initializer.normal([embeddingSize], deviation: embeddingDeviation, generator: &random),
                requiresGrad: true))
        if generator.chunkCount > 0 && conditionalChunkEmbeddings {
            taskChunkEmbeddings.append(
                Variable(
                    Initializer.normal(
                        [generator.chunkCount, chunkEmbeddingSize], deviation: chunkEmbeddingDeviation,
                        generator: &random), requiresGrad: true))
        }
    }

    /// θ: what every task shares (generator, shared chunk embeddings, MIP base).
    var sharedParameters: [Variable] {
        generator.parameters + (sharedChunkEmbeddings.map { [$0] } ?? []) + (mip.map { [$0.base] } ?? [])
    }

    /// What belongs to task t alone (frozen once the task is learned).
    func taskParameters(_ t: Int) -> [Variable] {
        [taskEmbeddings[t]] + (conditionalChunkEmbeddings && generator.chunkCount > 0 ? [taskChunkEmbeddings[t]] : [])
    }

    /// Θ_t, with gradients to θ and the task's embeddings when recording is on.
    func weights(task t: Int) -> Variable {
        let embedding = mip == nil ? taskEmbeddings[t] : MagnitudeInvariantParametrization.encode(taskEmbeddings[t])
        let chunks =
            generator.chunkCount == 0
            ? nil : (conditionalChunkEmbeddings ? taskChunkEmbeddings[t] : sharedChunkEmbeddings)
        let generated = generator.generate(TaskCondition(embedding: embedding, chunkEmbeddings: chunks))
        return mip?.apply(to: generated) ?? generated
    }

    /// Θ_t of every task, as constants.
    func allWeights() -> [Tensor] {
        withoutGradient { (0..<taskCount).map { weights(task: $0).value } }
    }

    /// The hypernetwork's own parameters by name, for the results file (Θ_t can be regenerated from them).
    var stateDictionary: [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (i, p) in generator.parameters.enumerated() { state["hnet.\(i)"] = p.value }
        if let sharedChunkEmbeddings { state["chunk_embeddings"] = sharedChunkEmbeddings.value }
        if let mip { state["mip.base"] = mip.base.value }
        for (t, e) in taskEmbeddings.enumerated() { state["task_embedding.\(t)"] = e.value }
        for (t, c) in taskChunkEmbeddings.enumerated() { state["task_chunk_embeddings.\(t)"] = c.value }
        return state
    }
}

extension TaskConditionedHypernetwork: NetworkPart {
    var weights: [String: Tensor] { stateDictionary }

    /// Sets θ and rebuilds every saved task's embeddings (their number is the saved one).
    func load(weights: [String: Tensor]) throws {
        func saved(_ name: String, like variable: Variable) throws -> Tensor {
            guard let value = weights[name] else { throw LearnerCheckpoint.Missing(name: name) }
            guard value.shape == variable.shape else {
                throw LearnerCheckpoint.Mismatch(name: name, detail: "shape \(value.shape), expected \(variable.shape)")
            }
            return value
        }
        for (i, p) in generator.parameters.enumerated() { p.value = try saved("hnet.\(i)", like: p) }
        if let sharedChunkEmbeddings {
            sharedChunkEmbeddings.value = try saved("chunk_embeddings", like: sharedChunkEmbeddings)
        }
        if let mip { mip.base.value = try saved("mip.base", like: mip.base) }
        let tasks = weights.keys.filter { $0.hasPrefix("task_embedding.") }.count
        taskEmbeddings = try (0..<tasks).map { t in
            guard let value = weights["task_embedding.\(t)"], value.shape == [embeddingSize] else {
                throw LearnerCheckpoint.Missing(name: "task_embedding.\(t)")
            }
            return Variable(value, requiresGrad: true)
        }
        taskChunkEmbeddings = try (0..<(conditionalChunkEmbeddings && generator.chunkCount > 0 ? tasks : 0)).map { t in
            guard let value = weights["task_chunk_embeddings.\(t)"],
                value.shape == [generator.chunkCount, chunkEmbeddingSize]
            else { throw LearnerCheckpoint.Missing(name: "task_chunk_embeddings.\(t)") }
            return Variable(value, requiresGrad: true)
        }
    }
}
