/// MT19937, seeded and drawn exactly like numpy's legacy `np.random.RandomState(seed)`.
///
/// Continual-learning papers publish class orders as "numpy seed 1993": reproducing them
/// needs the same generator, the same seeding (`init_genrand`) and the same bounded draw
/// (masked rejection sampling on 32-bit outputs). Every seeded choice in CLData (class
/// order, few-shot shots, pixel permutations, the Omniglot split) uses this one generator,
/// so a whole stream is reproducible from its seed, in Swift and in Python alike.
public struct MersenneTwister: Sendable {
    private var state: [UInt32]
    private var position: Int

    /// Seeds like `RandomState(seed)` for an integer seed (numpy's `init_genrand`).
    /// Seeds outside 0 ..< 2^32 are reduced modulo 2^32 (numpy rejects them; callers that
    /// take seeds from users check the range first).
    public init(seed: Int) {
        var state = [UInt32](repeating: 0, count: 624)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        self.state = state
        self.position = 624
    }

    /// Regenerates the 624 words of state (the "twist").
    private mutating func twist() {
        state.withUnsafeMutableBufferPointer { s in
            let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrix: UInt32 = 0x9908_b0df
            for i in 0..<624 {
                let y = (s[i] & upper) | (s[(i &+ 1) % 624] & lower)
                var next = s[(i &+ 397) % 624] ^ (y >> 1)
                if y & 1 != 0 { next ^= matrix }
                s[i] = next
            }
        }
        position = 0
    }

    /// The next 32-bit output (numpy's `next_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if position >= 624 { twist() }
        var y = state[position]
        position &+= 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in 0 ... maximum (inclusive), numpy's `random_interval`: draws
    /// 32-bit words masked to the smallest covering power of two until one is in range.
    public mutating func nextInteger(upToInclusive maximum: Int) -> Int {
        precondition(maximum >= 0 && maximum <= Int(UInt32.max), "interval out of range")
        if maximum == 0 { return 0 }
        var mask = UInt32(maximum)
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= UInt32(maximum) { return Int(value) }
        }
    }

    /// Shuffles in place like numpy's legacy `RandomState.shuffle` of a 1-D array:
    /// for i from count-1 down to 1, swap element i with a uniform j in 0 ... i.
    public mutating func shuffle<T>(_ values: inout [T]) {
        if values.count < 2 { return }
        for i in stride(from: values.count - 1, through: 1, by: -1) {
            let j = nextInteger(upToInclusive: i)
            values.swapAt(i, j)
        }
    }

    /// `RandomState(seed).permutation(count)`: a shuffled 0 ..< count.
    public mutating func permutation(_ count: Int) -> [Int] {
        var values = Array(0..<count)
        shuffle(&values)
        return values
    }

    /// `RandomState.choice(values, k, replace=False)`: the first k of a permutation
    /// (numpy's legacy choice without replacement is exactly that).
    public mutating func choose<T>(_ k: Int, from values: [T]) -> [T] {
        let order = permutation(values.count)
        return order.prefix(k).map { values[$0] }
    }
}
