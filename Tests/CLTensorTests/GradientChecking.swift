import Testing
@testable import CLTensor

/// Deterministic test data: uniform in [-1, 1), optionally kept at least `margin` away from
/// zero (so that finite differences do not straddle the kink of ReLU and friends), or
/// positive (for log, sqrt, pow).
func randomTensor(_ shape: [Int], seed: UInt64, margin: Float = 0, positive: Bool = false) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var t = Tensor(shape: shape)
    for i in 0..<t.count {
        var v = generator.nextUniform(-1, 1)
        if positive { v = Swift.abs(v) + 0.2 }
        if margin > 0 && Swift.abs(v) < margin { v = v < 0 ? v - margin : v + margin }
        t.scalars[i] = v
    }
    return t
}

/// Compares the tape's gradients of L = Σ f(inputs) ⊙ R (R a fixed random weighting, so
/// that every output element matters differently) with central differences. The loss is
/// accumulated in Double, so the reference is limited only by the float32 forward pass;
/// the step is large enough for that to be negligible.
func expectGradientsMatch(
    _ inputs: [Tensor], step: Float = 5e-3, tolerance: Float = 2e-2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> Variable
) {
    let variables = inputs.map { Variable($0, requiresGrad: true) }
    let output = function(variables)
    let weighting = randomTensor(output.shape, seed: 99)
    output.backward(seed: weighting)

    func loss(_ values: [Tensor]) -> Double {
        let out = withoutGradient { function(values.map { Variable($0) }) }
        var total = 0.0
        for i in 0..<out.value.count { total += Double(out.value.scalars[i]) * Double(weighting.scalars[i]) }
        return total
    }
    for (index, input) in inputs.enumerated() {
        let analytic = variables[index].grad ?? Tensor(shape: input.shape)
        var worst: Float = 0
        for element in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[index].scalars[element] += step
            minus[index].scalars[element] -= step
            let numeric = Float((loss(plus) - loss(minus)) / (2 * Double(step)))
            let error = Swift.abs(numeric - analytic.scalars[element]) / Swift.max(1, Swift.abs(numeric))
            worst = worseOf(worst, error)
        }
        #expect(
            worst < tolerance, "input \(index): worst relative gradient error \(worst)", sourceLocation: sourceLocation)
    }
}

/// Expects a and b equal within `tolerance`, relative to max(1, |b|), element by element.
/// A NaN or infinity on either side is a failure (unless both sides hold the same
/// infinity): `Swift.max` would silently drop a NaN difference.
func expectClose(
    _ a: Tensor, _ b: Tensor, tolerance: Float = 1e-4,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    if a.shape != b.shape { return }
    var worst: Float = 0
    for i in 0..<a.count {
        let (x, y) = (a.scalars[i], b.scalars[i])
        if x.isInfinite && x == y { continue }
        worst = worseOf(worst, Swift.abs(x - y) / Swift.max(1, Swift.abs(y)))
    }
    #expect(worst <= tolerance, "worst difference \(worst)", sourceLocation: sourceLocation)
}

/// The larger of two errors, where NaN counts as the worst (so a comparison of it fails).
func worseOf(_ a: Float, _ b: Float) -> Float {
    if a.isNaN || b.isNaN { return .nan }
    return Swift.max(a, b)
}
