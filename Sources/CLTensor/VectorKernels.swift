/// Reductions and fused loops over raw float buffers, written with explicit SIMD lanes.
///
/// Why explicit: the compiler may not reorder floating-point additions, so a plain
/// `total += x[i]` loop is one long dependency chain (one add per ~4 cycles) and is not
/// vectorised. Eight independent lanes, summed at the end, run at memory speed. The
/// lane order is fixed, so results are deterministic.
enum VectorKernels {
    typealias Lanes = SIMD8<Float>

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }

    /// Σ x[i].
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = Lanes(repeating: 0)
        var i = 0
        while i &+ 8 <= count { lanes += load(x + i); i &+= 8 }
        var total = lanes.sum()
        while i < count { total += x[i]; i &+= 1 }
        return total
    }

    /// Σ (w[i] (x[i] − t[i]))², or Σ (x[i] − t[i])² without weights.
    @inline(__always)
    static func squaredDistance(
        _ x: UnsafePointer<Float>, _ t: UnsafePointer<Float>, _ w: UnsafePointer<Float>?,
        _ count: Int
    ) -> Float {
        var lanes = Lanes(repeating: 0)
        var i = 0
        if let w {
            while i &+ 8 <= count { let d = load(w + i) * (load(x + i) - load(t + i)); lanes += d * d; i &+= 8 }
        } else {
            while i &+ 8 <= count { let d = load(x + i) - load(t + i); lanes += d * d; i &+= 8 }
        }
        var total = lanes.sum()
        while i < count { let d = (w?[i] ?? 1) * (x[i] - t[i]); total += d * d; i &+= 1 }
        return total
    }

    /// Σ (x[i] − mean)².
    @inline(__always)
    static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, mean: Float) -> Float {
        var lanes = Lanes(repeating: 0)
        let m = Lanes(repeating: mean)
        var i = 0
        while i &+ 8 <= count { let d = load(x + i) - m; lanes += d * d; i &+= 8 }
        var total = lanes.sum()
        while i < count { let d = x[i] - mean; total += d * d; i &+= 1 }
        return total
    }

    /// (Σ (x[i] − shift), Σ (x[i] − shift)²) in one pass. With `shift` a sample of the same
    /// data the variance E[(x−s)²] − E[x−s]² does not suffer the cancellation of the raw
    /// E[x²] − E[x]² (the "shifted data" algorithm).
    @inline(__always)
    static func shiftedSums(_ x: UnsafePointer<Float>, _ count: Int, shift: Float) -> (Float, Float) {
        var sums = Lanes(repeating: 0), squares = Lanes(repeating: 0)
        let s = Lanes(repeating: shift)
        var i = 0
        while i &+ 8 <= count { let d = load(x + i) - s; sums += d; squares += d * d; i &+= 8 }
        var (a, b) = (sums.sum(), squares.sum())
        while i < count { let d = x[i] - shift; a += d; b += d * d; i &+= 1 }
        return (a, b)
    }

    /// y[i] = a·x[i] + b, and max(0, ·) of it when `relu` (plain loops: no reduction, so
    /// the compiler vectorises them itself).
    @inline(__always)
    static func affine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
        scale a: Float, shift b: Float, relu: Bool
    ) {
        if relu {
            for i in 0..<count { let v = a * x[i] + b; y[i] = v > 0 ? v : 0 }
        } else {
            for i in 0..<count { y[i] = a * x[i] + b }
        }
    }

    /// Writes g'[i] = (y[i] > 0 ? g[i] : 0) to `masked` and returns (Σ g'[i], Σ g'[i]·(x[i] − mean)):
    /// the ReLU pullback and the batch-norm gradient sums in one pass. `y` must be a ReLU
    /// output (≥ +0), so y > 0 exactly when its bit pattern, read as an integer, is positive;
    /// the mask is built with integer lane operations because the generic SIMD select is
    /// a per-lane loop.
    @inline(__always)
    static func maskedGradientSums(
        _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        _ masked: UnsafeMutablePointer<Float>, _ count: Int, mean: Float
    ) -> (Float, Float) {
        var sumLanes = Lanes(repeating: 0), productLanes = Lanes(repeating: 0)
        let m = Lanes(repeating: mean)
        var i = 0
        while i &+ 8 <= count {
            let yBits = unsafeBitCast(load(y + i), to: SIMD8<Int32>.self)
            let keep = unsafeBitCast((SIMD8<Int32>(repeating: 0) &- yBits) &>> 31, to: SIMD8<UInt32>.self)
            let gi = unsafeBitCast(unsafeBitCast(load(g + i), to: SIMD8<UInt32>.self) & keep, to: Lanes.self)
            store(gi, masked + i)
            sumLanes += gi
            productLanes += gi * (load(x + i) - m)
            i &+= 8
        }
        var (a, b) = (sumLanes.sum(), productLanes.sum())
        while i < count {
            let gi = y[i] > 0 ? g[i] : 0
            masked[i] = gi
            a += gi
            b += gi * (x[i] - mean)
            i &+= 1
        }
        return (a, b)
    }

    /// (Σ g[i], Σ g[i]·(x[i] − mean)).
    @inline(__always)
    static func gradientSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
        mean: Float
    ) -> (Float, Float) {
        var sumLanes = Lanes(repeating: 0), productLanes = Lanes(repeating: 0)
        let m = Lanes(repeating: mean)
        var i = 0
        while i &+ 8 <= count {
            let gi = load(g + i)
            sumLanes += gi
            productLanes += gi * (load(x + i) - m)
            i &+= 8
        }
        var (a, b) = (sumLanes.sum(), productLanes.sum())
        while i < count {
            a += g[i]
            b += g[i] * (x[i] - mean)
            i &+= 1
        }
        return (a, b)
    }

    /// dx[i] = factor·g[i] − factor·meanG − factor·slope·(x[i] − mean) (g may alias dx).
    @inline(__always)
    static func batchNormInputGradient(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, _ count: Int,
        factor: Float, meanG: Float, mean: Float, slope: Float
    ) {
        let (c, s) = (factor * meanG, factor * slope)
        for i in 0..<count { dx[i] = factor * g[i] - c - s * (x[i] - mean) }
    }
}
