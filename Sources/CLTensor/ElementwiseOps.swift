#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

// Elementwise arithmetic with broadcasting, and the pointwise functions. Each operation
// states its forward value and its pullback together.

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        let value = Broadcasting.binary(a.value, b.value, +)
        let (shapeA, shapeB) = (a.shape, b.shape)
        return .result(value, [a, b]) { g in
            a.accumulate(Broadcasting.reduce(g, to: shapeA))
            b.accumulate(Broadcasting.reduce(g, to: shapeB))
        }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        let value = Broadcasting.binary(a.value, b.value, -)
        let (shapeA, shapeB) = (a.shape, b.shape)
        return .result(value, [a, b]) { g in
            a.accumulate(Broadcasting.reduce(g, to: shapeA))
            if b.requiresGrad { b.accumulate(Broadcasting.reduce(g.map { -$0 }, to: shapeB)) }
        }
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        let value = Broadcasting.binary(a.value, b.value, *)
        let (x, y) = (a.value, b.value)
        return .result(value, [a, b]) { g in
            if a.requiresGrad { a.accumulate(Broadcasting.reduce(Broadcasting.binary(g, y, *), to: x.shape)) }
            if b.requiresGrad { b.accumulate(Broadcasting.reduce(Broadcasting.binary(g, x, *), to: y.shape)) }
        }
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        let value = Broadcasting.binary(a.value, b.value, /)
        let (x, y) = (a.value, b.value)
        return .result(value, [a, b]) { g in
            if a.requiresGrad { a.accumulate(Broadcasting.reduce(Broadcasting.binary(g, y, /), to: x.shape)) }
            if b.requiresGrad {
                // d(x/y)/dy = -x / y² = -(x/y) / y
                let quotient = Broadcasting.binary(value, y, /)
                b.accumulate(Broadcasting.reduce(Broadcasting.binary(g, quotient, { -$0 * $1 }), to: y.shape))
            }
        }
    }

    public static prefix func - (a: Variable) -> Variable { a * -1 }

    public static func + (a: Variable, s: Float) -> Variable {
        .result(a.value.map { $0 + s }, [a]) { g in a.accumulate(g) }
    }
    public static func + (s: Float, a: Variable) -> Variable { a + s }
    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }
    public static func - (s: Float, a: Variable) -> Variable { (a * -1) + s }
    public static func * (a: Variable, s: Float) -> Variable {
        .result(a.value.map { $0 * s }, [a]) { g in a.accumulate(g.map { $0 * s }) }
    }
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func / (a: Variable, s: Float) -> Variable { a * (1 / s) }

    /// A pointwise function given its value and its derivative expressed through the input
    /// `x` and the output `y` (whichever is cheaper: for exp the derivative is y).
    @inline(__always)
    func pointwise(
        _ function: (Float) -> Float,
        derivative: @escaping (_ x: Float, _ y: Float) -> Float
    ) -> Variable {
        let x = value
        let y = x.map(function)
        return .result(y, [self]) { g in
            self.accumulate(x.zipMap(y, g) { xi, yi, gi in gi * derivative(xi, yi) })
        }
    }

    public func relu() -> Variable {
        pointwise({ Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }

    /// max(0, self + other) for same-shape operands in one pass (a residual connection
    /// followed by its ReLU).
    public func addingThenReLU(_ other: Variable) -> Variable {
        precondition(shape == other.shape, "addingThenReLU needs equal shapes, got \(shape) and \(other.shape)")
        let y = value.zipMap(other.value) { Swift.max($0 + $1, 0) }
        return .result(y, [self, other]) { g in
            let masked = g.zipMap(y) { $1 > 0 ? $0 : 0 }
            self.accumulate(masked)
            other.accumulate(masked)
        }
    }

    public func leakyRelu(slope: Float = 0.01) -> Variable {
        pointwise({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }

    /// ELU: x for x > 0, alpha (e^x - 1) otherwise.
    public func elu(alpha: Float = 1) -> Variable {
        pointwise({ $0 > 0 ? $0 : alpha * (expf($0) - 1) }, derivative: { x, y in x > 0 ? 1 : y + alpha })
    }

    public func tanh() -> Variable {
        pointwise({ tanhf($0) }, derivative: { _, y in 1 - y * y })
    }

    /// Sine and cosine: the fixed-norm input encoding of magnitude-invariant hypernetworks
    /// ([cos e; sin e] has norm √d whatever the embedding e).
    public func sin() -> Variable {
        pointwise({ sinf($0) }, derivative: { x, _ in cosf(x) })
    }

    public func cos() -> Variable {
        pointwise({ cosf($0) }, derivative: { x, _ in -sinf(x) })
    }

    public func sigmoid() -> Variable {
        // The two branches avoid overflow of exp for large |x|.
        pointwise(
            { $0 >= 0 ? 1 / (1 + expf(-$0)) : expf($0) / (1 + expf($0)) },
            derivative: { _, y in y * (1 - y) })
    }

    public func exp() -> Variable {
        pointwise({ expf($0) }, derivative: { _, y in y })
    }

    public func log() -> Variable {
        pointwise({ logf($0) }, derivative: { x, _ in 1 / x })
    }

    public func sqrt() -> Variable {
        pointwise({ sqrtf($0) }, derivative: { _, y in 0.5 / y })
    }

    /// x raised to a constant power.
    public func pow(_ exponent: Float) -> Variable {
        pointwise({ powf($0, exponent) }, derivative: { x, _ in exponent * powf(x, exponent - 1) })
    }

    public func squared() -> Variable {
        pointwise({ $0 * $0 }, derivative: { x, _ in 2 * x })
    }

    public func abs() -> Variable {
        pointwise({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    /// Values limited to [low, high]; the gradient passes only where the input is inside.
    public func clamped(min low: Float = -.infinity, max high: Float = .infinity) -> Variable {
        pointwise(
            { Swift.min(Swift.max($0, low), high) },
            derivative: { x, _ in (x >= low && x <= high) ? 1 : 0 })
    }
}
