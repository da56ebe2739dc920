/// The project's one source of randomness: SplitMix64 (Steele, Lea and Flood, 2014).
///
/// Why this generator: it is one 64-bit add and three xor-shift-multiply steps per draw,
/// passes BigCrush, has no bad seeds (any 64-bit seed, including 0, is fine) and is trivial
/// to re-implement in Python for cross-checks. One seed, split into child generators with
/// `split()`, determines initialisation, dropout, augmentation and batch order.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable {
    private var state: UInt64
    /// A spare standard normal from the last Box–Muller pair.
    private var spareNormal: Float?

    public init(seed: UInt64) {
        state = seed
        spareNormal = nil
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent generator for a sub-task (for example "augmentation"), seeded from
    /// this one, so that adding draws in one place does not shift another's stream.
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

    /// The generator's exact position (its state and any spare normal draw), so that a run
    /// resumed from a checkpoint continues the very same sequence.
    public var savedState: [UInt64] { [state, spareNormal.map { 1 << 32 | UInt64($0.bitPattern) } ?? 0] }

    /// A generator at a position `savedState` returned.
    public init(savedState: [UInt64]) {
        state = savedState.first ?? 0
        let spare = savedState.count > 1 ? savedState[1] : 0
        spareNormal = spare >> 32 == 1 ? Float(bitPattern: UInt32(truncatingIfNeeded: spare)) : nil
    }

    /// Uniform in [0, 1), from the top 24 bits (every value exactly representable).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func nextUniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUniform()
    }

    /// Standard normal by the Box–Muller transform (pairs; the second is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return spare }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2.0 * _log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = Float(radius * _sin(angle))
        return Float(radius * _cos(angle))
    }

    /// Uniform integer in 0..<bound (unbiased, via the standard library's rejection method).
    public mutating func nextInt(below bound: Int) -> Int {
        Int.random(in: 0..<bound, using: &self)
    }

    /// A random permutation of 0..<count (Fisher–Yates, deterministic for a given state).
    public mutating func permutation(_ count: Int) -> [Int] {
        var result = Array(0..<count)
        if count < 2 { return result }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            result.swapAt(i, j)
        }
        return result
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
    import Foundation
    @inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
