import CLTensor
import Testing

// Finite-difference checks of the learners' losses, shared by every learner's tests.
// Central differences in Double; an element whose error is NaN fails (NaN is never below
// the tolerance), and the message names the input and the worst error.

/// Central differences of a scalar function of `inputs` against the tape's gradients.
func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = 2e-3, tolerance: Float = 2e-2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> Variable
) {
    let variables = inputs.map { Variable($0, requiresGrad: true) }
    function(variables).backward()
    func value(_ tensors: [Tensor]) -> Double {
        Double(withoutGradient { function(tensors.map { Variable($0) }) }.value.scalars[0])
    }
    for (index, input) in inputs.enumerated() {
        let analytic = variables[index].grad ?? Tensor(shape: input.shape)
        let worst = worstRelativeError(count: input.count, analytic: analytic, step: step) { element, sign in
            var moved = inputs
            moved[index].scalars[element] += sign * step
            return value(moved)
        }
        #expect(
            worst < tolerance, "input \(index): worst relative gradient error \(worst)", sourceLocation: sourceLocation)
    }
}

/// The same for a loss of learner-owned parameters, moved in place one element at a time.
func expectGradientsMatchFiniteDifferences(
    parameters: [Variable], step: Float = 1e-2, tolerance: Float = 3e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ loss: () -> Variable
) {
    for p in parameters { p.zeroGradient() }
    loss().backward()
    for (index, parameter) in parameters.enumerated() {
        let analytic = parameter.grad ?? Tensor(shape: parameter.shape)
        let worst = worstRelativeError(count: parameter.value.count, analytic: analytic, step: step) { element, sign in
            let original = parameter.value.scalars[element]
            parameter.value.scalars[element] = original + sign * step
            defer { parameter.value.scalars[element] = original }
            return Double(withoutGradient { loss() }.value.scalars[0])
        }
        #expect(
            worst < tolerance, "parameter \(index): worst relative gradient error \(worst)",
            sourceLocation: sourceLocation)
    }
}

/// max over elements of |numeric − analytic| / max(1, |numeric|), NaN if any is NaN;
/// `value(element, ±1)` is the function with that element moved by ±step.
private func worstRelativeError(count: Int, analytic: Tensor, step: Float, _ value: (Int, Float) -> Double) -> Float {
    var worst: Float = 0
    for element in 0..<count {
        let numeric = Float((value(element, 1) - value(element, -1)) / (2 * Double(step)))
        let error = abs(numeric - analytic.scalars[element]) / max(1, abs(numeric))
        if error.isNaN { return .nan }
        worst = max(worst, error)
    }
    return worst
}
