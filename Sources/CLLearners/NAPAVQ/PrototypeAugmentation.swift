import CLTensor

/// NAPA-VQ's neighbourhood-aware prototype augmentation (NA-PA), its stand-in for replay:
/// no old sample is kept, only the mean feature (prototype) p_l of every augmented label l
/// seen so far. Each step draws points for old classes between a class's prototype and
/// the prototype of one of its topological neighbours,
///
///     c ~ U(old classes), j ~ U{ u : E[4c, u] > 0 },  γ ~ U[0.5, 1),
///     p̃ = γ · p_4c + (1 − γ) · p_j,  label 4c,
///
/// so that the synthetic old-class points fill the region between a class and the
/// classes it borders, where a new task's code vectors would otherwise grow into it
/// (`NAPAVQ._compute_loss`, "code for NA-PA"). Because γ ≥ 1/2, p̃ is never closer to the
/// neighbour than to its own class. As in the code, the neighbour may be any code vector
/// (another rotation, a current-task class) and may be 4c itself (the diagonal of E is 1).
public struct PrototypeAugmentation: Sendable, Codable {
    /// Mean feature of each augmented label computed so far.
    public private(set) var prototypes: [Int: [Float]] = [:]

    public init() {}

    /// Stores (or replaces) the mean feature of each label among `labels`, from features
    /// [n, d] (sums in Double).
    public mutating func storeMeans(features: Tensor, labels: [Int]) {
        let d = features.shape[1]
        var sums: [Int: [Double]] = [:], counts: [Int: Int] = [:]
        for (row, label) in labels.enumerated() {
            var sum = sums[label] ?? [Double](repeating: 0, count: d)
            for c in 0..<d { sum[c] += Double(features.scalars[row * d + c]) }
            sums[label] = sum
            counts[label, default: 0] += 1
        }
        for (label, sum) in sums { prototypes[label] = sum.map { Float($0 / Double(counts[label]!)) } }
    }

    /// γ · a + (1 − γ) · b.
    public static func mix(_ a: [Float], _ b: [Float], gamma: Float) -> [Float] {
        zip(a, b).map { gamma * $0 + (1 - gamma) * $1 }
    }

    /// `count` augmented points of the classes 0 ..< `oldClasses` and their labels 4c.
    /// Draws, per point: the class, the partner among E's connections of 4c that have a
    /// prototype, then γ.
    public func draw(
        count: Int, oldClasses: Int, topology: NeuralGasTopology,
        generator: inout SeededGenerator
    ) -> (points: Tensor, labels: [Int]) {
        precondition(oldClasses > 0 && count > 0, "augmentation needs old classes and at least one draw")
        guard let d = prototypes.values.first?.count else { preconditionFailure("no prototypes stored") }
        var scalars = [Float](repeating: 0, count: count * d)
        var labels = [Int](repeating: 0, count: count)
        for i in 0..<count {
            let label = 4 * generator.nextInt(below: oldClasses)
            guard let own = prototypes[label] else { preconditionFailure("no prototype for label \(label)") }
            let partners = topology.connections(of: label).filter { prototypes[$0] != nil }
            let partner = partners.isEmpty ? label : partners[generator.nextInt(below: partners.count)]
            let gamma = generator.nextUniform(0.5, 1)
            let point = Self.mix(own, prototypes[partner]!, gamma: gamma)
            for c in 0..<d { scalars[i * d + c] = point[c] }
            labels[i] = label
        }
        return (Tensor(shape: [count, d], scalars: scalars), labels)
    }
}
