// 2-D convolution (cross-correlation, as in PyTorch) over NCHW input with weights
// [out, in, kh, kw]: the differentiable operation. The work is in `convolutionForward`
// (ConvolutionForward.swift) and `ConvolutionBackward`; shapes and im2col in
// `ConvolutionGeometry`, the direct kernels behind `DirectConvolution`.

/// Convolution with weights supplied as variables (so they may come from another network).
public func conv2d(
    _ input: Variable, weight: Variable, bias: Variable? = nil,
    stride: Int = 1, padding: Int = 0
) -> Variable {
    precondition(
        input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
        "conv2d needs input [n, c, h, w] and weight [o, c, kh, kw], got \(input.shape) and \(weight.shape)")
    let (n, outChannels) = (input.shape[0], weight.shape[0])
    let geometry = ConvolutionGeometry(
        channels: input.shape[1], height: input.shape[2], width: input.shape[3],
        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
        stride: stride, padding: padding)
    precondition(geometry.outputHeight > 0 && geometry.outputWidth > 0, "conv2d: kernel larger than padded input")
    if let bias { precondition(bias.shape == [outChannels], "conv2d bias must be [\(outChannels)]") }
    let (x, w) = (input.value, weight.value)
    let pixels = geometry.outputPixels
    let out = convolutionForward(
        x, weights: w, geometry: geometry,
        epilogue: ConvolutionEpilogue(bias: bias?.value.scalars ?? []))
    let outShape = [n, outChannels, geometry.outputHeight, geometry.outputWidth]
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    return .result(Tensor(shape: outShape, scalars: out), parents) { g in
        let (dx, dw) = ConvolutionBackward(
            input: x, weights: w, geometry: geometry, needInput: input.requiresGrad,
            needWeight: weight.requiresGrad
        ).gradients(g)
        if input.requiresGrad { input.accumulate(Tensor(shape: x.shape, scalars: dx)) }
        if weight.requiresGrad { weight.accumulate(Tensor(shape: w.shape, scalars: dw)) }
        if let bias, bias.requiresGrad {
            var db = [Float](repeating: 0, count: outChannels)
            for image in 0..<n {
                for o in 0..<outChannels {
                    let base = (image * outChannels + o) * pixels
                    var total: Float = 0
                    for p in 0..<pixels { total += g.scalars[base + p] }
                    db[o] += total
                }
            }
            bias.accumulate(Tensor(shape: [outChannels], scalars: db))
        }
    }
}
