/// Convolution → batch norm → (+ residual) → (ReLU) as one pass in inference.
///
/// Why: in evaluation mode batch norm is a per-channel affine map, so it folds into the
/// convolution's weights (w·γ/σ) and a bias (β − γμ/σ), and the bias, the residual add and
/// the ReLU are applied to each image's output while it is still in cache. Unfused, each
/// of them is a separate pass over memory; for the CIFAR ResNets in evaluation that is
/// about a fifth of the time.
///
/// Used only when nothing needs gradients (`withoutGradient`) and the norm uses its running
/// statistics; otherwise this is exactly the unfused composition, with gradients. The
/// folded result differs from the unfused one by float rounding only.
public func convolutionBatchNormInference(
    _ input: Variable, convolution: Conv2d, batchNorm: BatchNorm,
    residual: Variable? = nil, relu: Bool
) -> Variable {
    guard !batchNorm.isTraining && !GradientMode.isEnabled else {
        let normalised = batchNorm(convolution(input), activation: residual == nil && relu ? .relu : .none)
        guard let residual else { return normalised }
        return relu ? residual.addingThenReLU(normalised) : residual + normalised
    }
    let weight = convolution.weight.value
    precondition(
        input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
        "conv needs input [n, c, h, w] and weight [o, c, kh, kw], got \(input.shape) and \(weight.shape)")
    let outputs = weight.shape[0], perOutput = weight.count / outputs
    let (gamma, beta) = (batchNorm.scale.value.scalars, batchNorm.shift.value.scalars)
    let (mean, variance) = (batchNorm.statistics.mean.value.scalars, batchNorm.statistics.variance.value.scalars)
    precondition(gamma.count == outputs, "batch norm over \(gamma.count) channels after a conv with \(outputs) outputs")
    var folded = weight
    var bias = [Float](repeating: 0, count: outputs)
    for o in 0..<outputs {
        // The same scale and shift as `batchNorm` in evaluation mode.
        let inverseDeviation = 1 / (variance[o] + batchNorm.epsilon).squareRoot()
        let scale = gamma[o] * inverseDeviation
        let convolutionBias = convolution.bias?.value.scalars[o] ?? 0
        bias[o] = beta[o] - gamma[o] * inverseDeviation * mean[o] + scale * convolutionBias
        for k in 0..<perOutput { folded.scalars[o * perOutput + k] *= scale }
    }
    let geometry = ConvolutionGeometry(
        channels: input.shape[1], height: input.shape[2], width: input.shape[3],
        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
        stride: convolution.stride, padding: convolution.padding)
    let outShape = [input.shape[0], outputs, geometry.outputHeight, geometry.outputWidth]
    if let residual {
        precondition(
            residual.shape == outShape, "residual \(residual.shape) does not match the conv output \(outShape)")
    }
    let out = convolutionForward(
        input.value, weights: folded, geometry: geometry,
        epilogue: ConvolutionEpilogue(bias: bias, residual: residual?.value, relu: relu))
    return Variable(Tensor(shape: outShape, scalars: out))
}
