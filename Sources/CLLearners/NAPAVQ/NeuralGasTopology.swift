import CLTensor
import Foundation

/// NAPA-VQ's topology over code vectors: a neural-gas edge matrix E (Martinetz and
/// Schulten's competitive Hebbian learning) that says which code vectors are neighbours
/// in feature space, refreshed on every batch. It decides two things: the negatives of the
/// neighbourhood-separation loss (a class is pushed away from its neighbours only) and the
/// partner of each old-class prototype in prototype augmentation.
///
/// One refresh, as `NAVQ.forward` in the official code (`losses/na_loss.py`), for a batch
/// of points with squared distances to every code vector:
/// - each point's nearest code vector v (its winner) and its `neighbourCount` nearest K;
/// - for every winner v and every code vector u: E[v, u] = 1 if u was in K of a point won
///   by v in this batch, and E[v, u] is multiplied by `decay`^(times v won − times u was in
///   those K) (at least 0); rows of code vectors that won nothing are untouched;
/// - edges weaker than `decay`^`lifetime` (0.9^10 by default) are removed;
/// - (the loss reads E here, before the next step);
/// - E ← (E + Eᵀ)/2.
///
/// One difference from the code, for the invariant "E symmetric with unit diagonal and
/// entries 0 or in [decay^lifetime, 1]" to hold at all times: the averaging can leave an
/// entry below the threshold (1 on one side, 0 on the other gives 0.5), which the code
/// removes at the start of the next refresh; here it is removed right after the averaging.
/// The losses see the same edges either way (such an entry is either refreshed to 1 or
/// removed before any loss reads it); only a prototype-augmentation draw between the two
/// could have picked it as a partner in the code.
///
/// Ties in distance go to the lower index (torch.sort makes no promise there).
public struct NeuralGasTopology: Sendable, Equatable {
    /// Number of code vectors (rows and columns of E).
    public private(set) var count: Int
    /// E, row-major [count, count].
    public private(set) var edges: [Float]
    /// |K|: how many nearest code vectors each point connects its winner to (15).
    public let neighbourCount: Int
    /// Per-step decay of edges that are not refreshed (0.9).
    public let decay: Float
    /// Edges below this strength are removed: decay^lifetime (0.9^10 ≈ 0.349).
    public let minimumStrength: Float

    public init(count: Int = 0, neighbourCount: Int = 15, decay: Float = 0.9, lifetime: Int = 10) {
        precondition(neighbourCount >= 1 && decay > 0 && decay < 1 && lifetime >= 1, "invalid topology settings")
        self.count = 0
        self.edges = []
        self.neighbourCount = neighbourCount
        self.decay = decay
        self.minimumStrength = powf(decay, Float(lifetime))
        grow(to: count)
    }

    /// Adds code vectors (no edges yet, each connected to itself), keeping every existing edge.
    public mutating func grow(to newCount: Int) {
        guard newCount > count else { return }
        var grown = [Float](repeating: 0, count: newCount * newCount)
        for a in 0..<count { for b in 0..<count { grown[a * newCount + b] = edges[a * count + b] } }
        for a in count..<newCount { grown[a * newCount + a] = 1 }
        edges = grown
        count = newCount
    }

    /// E[a, b].
    public func strength(_ a: Int, _ b: Int) -> Float { edges[a * count + b] }

    /// Code vectors connected to `row`, itself excluded: the negatives of the
    /// neighbourhood-separation loss.
    public func neighbours(of row: Int) -> [Int] {
        (0..<count).filter { $0 != row && edges[row * count + $0] > 0 }
    }

    /// Code vectors connected to `row`, itself included (its diagonal is 1): the candidates
    /// for a prototype-augmentation partner, as `r.nonzero()` in the official code, which
    /// lets a prototype be paired with itself.
    public func connections(of row: Int) -> [Int] {
        (0..<count).filter { edges[row * count + $0] > 0 }
    }

    /// E as a [count, count] tensor (the diagnostic written after each task).
    public var matrix: Tensor { Tensor(shape: [count, count], scalars: edges) }

    /// Number of edges between distinct code vectors (each pair once).
    public var edgeCount: Int {
        var total = 0
        for a in 0..<count { for b in (a + 1)..<count where edges[a * count + b] > 0 { total += 1 } }
        return total
    }

    /// Refreshes E from a batch's squared distances [points, count] to the code vectors
    /// (see the type's description), and returns the neighbours of each of `rows` as the
    /// loss must see them: after the refresh, before the symmetrisation.
    @discardableResult
    public mutating func update(squaredDistances: Tensor, neighboursOf rows: Set<Int> = []) -> [Int: [Int]] {
        precondition(
            squaredDistances.rank == 2 && squaredDistances.shape[1] == count,
            "squared distances must be [points, \(count)], got \(squaredDistances.shape)")
        let points = squaredDistances.shape[0], m = count
        guard m > 0 else { return [:] }
        let k = min(neighbourCount, m)
        var wins = [Int](repeating: 0, count: m)
        // Per winner: how often each code vector was among the k nearest of a point it won.
        var inNearest: [Int: [Int]] = [:]
        var nearest = [Int](repeating: 0, count: k)
        var nearestDistance = [Float](repeating: 0, count: k)
        squaredDistances.scalars.withUnsafeBufferPointer { d in
            for point in 0..<points {
                // The k smallest by insertion (k ≪ m), ties to the lower index.
                var filled = 0
                let base = point &* m
                for j in 0..<m {
                    let v = d[base &+ j]
                    if filled == k && !(v < nearestDistance[k - 1]) { continue }
                    var slot = filled == k ? k - 1 : filled
                    while slot > 0 && v < nearestDistance[slot - 1] {
                        nearestDistance[slot] = nearestDistance[slot - 1]
                        nearest[slot] = nearest[slot - 1]
                        slot -= 1
                    }
                    nearestDistance[slot] = v
                    nearest[slot] = j
                    if filled < k { filled += 1 }
                }
                let winner = nearest[0]
                wins[winner] += 1
                var counts = inNearest[winner] ?? [Int](repeating: 0, count: m)
                for slot in 0..<k { counts[nearest[slot]] += 1 }
                inNearest[winner] = counts
            }
        }
        let winners = inNearest.keys.sorted()
        for winner in winners {
            let counts = inNearest[winner]!
            for u in 0..<m {
                var e = edges[winner * m + u]
                if counts[u] > 0 { e = 1 }
                let encounters = max(wins[winner] - counts[u], 0)
                if encounters > 0 { e *= powf(decay, Float(encounters)) }
                edges[winner * m + u] = e < minimumStrength ? 0 : e
            }
        }
        var result: [Int: [Int]] = [:]
        for row in rows { result[row] = neighbours(of: row) }
        // Only winner rows changed, and E was symmetric before: averaging their rows and
        // columns symmetrises the whole matrix.
        var isWinner = [Bool](repeating: false, count: m)
        for winner in winners { isWinner[winner] = true }
        for winner in winners {
            for u in 0..<m where !(isWinner[u] && u < winner) {
                let mean = (edges[winner * m + u] + edges[u * m + winner]) / 2
                let kept = mean < minimumStrength ? 0 : mean
                edges[winner * m + u] = kept
                edges[u * m + winner] = kept
            }
        }
        return result
    }
}

/// Saved with NAPA-VQ's state; decoding checks that E is [count, count].
extension NeuralGasTopology: Codable {
    private enum CodingKeys: String, CodingKey { case count, edges, neighbourCount, decay, minimumStrength }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        edges = try container.decode([Float].self, forKey: .edges)
        neighbourCount = try container.decode(Int.self, forKey: .neighbourCount)
        decay = try container.decode(Float.self, forKey: .decay)
        minimumStrength = try container.decode(Float.self, forKey: .minimumStrength)
        guard count >= 0, edges.count == count * count else {
            throw DecodingError.dataCorruptedError(
                forKey: .edges, in: container, debugDescription: "\(edges.count) edges for \(count) code vectors")
        }
    }
}
