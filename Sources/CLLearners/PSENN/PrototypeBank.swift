import CLTensor
import Foundation

/// The prototypes of a prototype network, one block per task, each prototype owned by the
/// class it was added for.
///
/// Deterministic (PSENN): a prototype is a point μ_j of the latent space. Probabilistic
/// (Prob-PSENN): it is a diagonal Gaussian N(μ_j, diag σ_j²), stored as μ_j and log σ_j
/// (the log keeps σ positive without a clamp, and log σ → −∞ is the σ → 0 limit), and
/// sampled with the reparameterisation trick p_j = μ_j + σ_j ⊙ ε, ε ~ N(0, I), so that
/// the loss is differentiable in μ and σ.
///
/// Blocks are separate variables so that the training loop can freeze old ones
/// (`anchor: freeze`) while the current task's train.
final class PrototypeBank {
    struct Block {
        var means: Variable
        /// log σ, same shape as `means`; nil for deterministic prototypes.
        var logScales: Variable?
        /// Class (learner label) of each prototype of the block.
        let classes: [Int]
    }

    /// A copy of the distributions at one moment (the anchor of `anchor: kl`).
    struct Snapshot {
        let means: Tensor
        let logScales: Tensor
    }

    private(set) var blocks: [Block] = []
    let dimension: Int
    let probabilistic: Bool

    init(dimension: Int, probabilistic: Bool) {
        self.dimension = dimension
        self.probabilistic = probabilistic
    }

    var count: Int { blocks.reduce(0) { $0 + $1.classes.count } }
    /// Class of every prototype, in bank order.
    var classes: [Int] { blocks.flatMap(\.classes) }
    /// Task (block index) of every prototype, in bank order.
    var tasks: [Int] {
        blocks.enumerated().flatMap { index, block in Array(repeating: index, count: block.classes.count) }
    }

    /// Adds a block: prototypes at `means` [k, d] of `classes`, with σ = `initialScale` in
    /// every dimension when probabilistic.
    func add(means: Tensor, classes: [Int], initialScale: Float) {
        precondition(
            means.shape == [classes.count, dimension],
            "prototype means [\(classes.count), \(dimension)], got \(means.shape)")
        let logScales =
            probabilistic
            ? Variable(Tensor(shape: means.shape, repeating: Foundation.log(initialScale)), requiresGrad: true) : nil
        blocks.append(Block(means: Variable(means, requiresGrad: true), logScales: logScales, classes: classes))
    }

    /// The means of every block as one [m, d] variable (gradients flow to each block).
    var means: Variable { concatenate(blocks.map(\.means)) }

    /// The means of the last block (the current task's prototypes).
    var currentMeans: Variable { blocks[blocks.count - 1].means }

    /// σ of every prototype [m, d] (zeros when deterministic).
    var scales: Tensor {
        guard probabilistic else { return Tensor(shape: [count, dimension]) }
        var scales = concatenate(blocks.map { $0.logScales! }).value
        for i in 0..<scales.count { scales.scalars[i] = Foundation.exp(scales.scalars[i]) }
        return scales
    }

    /// One draw of every prototype, μ + σ ⊙ ε, differentiable in μ and log σ; the means
    /// when deterministic (the generator is then not touched).
    func sample(generator: inout SeededGenerator) -> Variable {
        guard probabilistic else { return means }
        var noise = Tensor(shape: [count, dimension])
        for i in 0..<noise.count { noise.scalars[i] = generator.nextNormal() }
        let logScales = concatenate(blocks.map { $0.logScales! })
        return means + logScales.exp() * Variable(noise)
    }

    /// Mean over prototypes of KL(N(μ_j, diag σ_j²) ‖ N(0, I)) =
    /// ½ Σ_d (σ² + μ² − 1) − Σ_d log σ (summed over dimensions).
    func klToStandardNormal() -> Variable {
        precondition(probabilistic)
        let mu = means, logScales = concatenate(blocks.map { $0.logScales! })
        let perDimension = ((logScales * 2).exp() + mu.squared() - 1) * 0.5 - logScales
        return perDimension.sum() * (1 / Float(max(count, 1)))
    }

    /// Every prototype's distribution as it is now: taken before a task adds its block, it
    /// is the "previous posterior" that `anchor: kl` pulls the old prototypes back to.
    func snapshot() -> Snapshot {
        precondition(probabilistic)
        return Snapshot(means: means.value, logScales: concatenate(blocks.map { $0.logScales! }).value)
    }

    /// Mean over the snapshot's prototypes of KL(q_j ‖ q_j^old), the current distribution
    /// against the one the snapshot kept (`anchor: kl`):
    /// Σ_d log σ_old − log σ + (σ² + (μ − μ_old)²) / (2 σ_old²) − ½.
    func klToSnapshot(_ old: Snapshot) -> Variable {
        precondition(probabilistic)
        let rows = old.means.shape[0]
        let mu = means.slice(axis: 0, 0..<rows)
        let logScales = concatenate(blocks.map { $0.logScales! }).slice(axis: 0, 0..<rows)
        var inverseOldVariance = old.logScales
        for i in 0..<inverseOldVariance.count {
            inverseOldVariance.scalars[i] = Foundation.exp(-2 * inverseOldVariance.scalars[i])
        }
        let precision = Variable(inverseOldVariance)
        let perDimension =
            Variable(old.logScales) - logScales
            + ((logScales * 2).exp() + (mu - Variable(old.means)).squared()) * precision * 0.5 - 0.5
        return perDimension.sum() * (1 / Float(max(rows, 1)))
    }

    /// Parameters of every block but the last, and of the last.
    var oldParameters: [Variable] { blocks.dropLast().flatMap { [$0.means] + ($0.logScales.map { [$0] } ?? []) } }
    var currentParameters: [Variable] { blocks.last.map { [$0.means] + ($0.logScales.map { [$0] } ?? []) } ?? [] }

    /// Means (and log σ) by name, for the results file's weights.
    var stateDictionary: [String: Tensor] {
        var state: [String: Tensor] = [
            "prototypes.means": means.value,
            "prototypes.classes": Tensor(shape: [count], scalars: classes.map(Float.init)),
        ]
        if probabilistic { state["prototypes.log_scales"] = concatenate(blocks.map { $0.logScales! }).value }
        return state
    }
}

extension PrototypeBank: NetworkPart {
    /// Means, classes and (probabilistic) log σ of every prototype (`stateDictionary` without
    /// its "prototypes." prefix, which the part's name gives).
    var weights: [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: stateDictionary.map { (String($0.key.dropFirst("prototypes.".count)), $0.value) })
    }

    func load(weights: [String: Tensor]) throws {
        throw LearnerCheckpoint.Missing(name: "blocks")  // the blocks' boundaries are not in the weights
    }

    /// The weights, and the classes of each block (its boundaries).
    func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        checkpoint.save(weights, prefix: name + ".")
        try checkpoint.store(blocks.map(\.classes), as: name + ".blocks")
    }

    func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        let blockClasses = try checkpoint.value([[Int]].self, named: name + ".blocks")
        let rows = blockClasses.reduce(0) { $0 + $1.count }
        let means = try checkpoint.tensor(name + ".means")
        let logScales = probabilistic ? try checkpoint.tensor(name + ".log_scales") : nil
        guard means.shape == [rows, dimension], logScales.map({ $0.shape == means.shape }) ?? true else {
            throw LearnerCheckpoint.Mismatch(name: name + ".means", detail: "shape \(means.shape), \(rows) prototypes")
        }
        blocks = []
        var start = 0
        for classes in blockClasses {
            let range = start..<(start + classes.count)
            blocks.append(
                Block(
                    means: Variable(means.rows(range), requiresGrad: true),
                    logScales: logScales.map { Variable($0.rows(range), requiresGrad: true) }, classes: classes))
            start = range.upperBound
        }
    }
}
