/// Running statistics of a batch-norm layer: the evaluation-mode mean and variance.
/// A class, because every training forward pass updates it in place.
public final class BatchNormStatistics {
    /// Running mean and variance, variables without gradient so that they can be saved
    /// and loaded by name with the parameters.
    public let mean: Variable
    public let variance: Variable
    /// Weight of the new batch in the running average (PyTorch's `momentum`, 0.1).
    public var momentum: Float

    public init(channels: Int, momentum: Float = 0.1) {
        mean = Variable(Tensor(shape: [channels], repeating: 0))
        variance = Variable(Tensor(shape: [channels], repeating: 1))
        self.momentum = momentum
    }
}

/// What follows batch normalisation inside the same kernel.
public enum BatchNormActivation: Sendable {
    case none
    /// max(0, ·), fused: saves a pass over the activations and a stored tensor.
    case relu
}

/// Batch normalisation over axis 1 of [n, c] or [n, c, h, w] (and any trailing axes),
/// optionally followed by a fused ReLU.
///
/// Training mode normalises with the batch's mean and biased variance and folds them into
/// the running statistics (unbiased variance, as PyTorch); evaluation mode uses the
/// running statistics. The pullback is the closed form
/// dx = γ/σ · (g − mean(g) − x̂ · mean(g · x̂)), not a graph of small operations; it
/// recomputes x̂ (and the ReLU mask) from the saved input instead of storing them, which
/// halves the memory kept per layer. Channels are split across `Parallel` workers.
public func batchNorm(
    _ input: Variable, scale: Variable, shift: Variable,
    statistics: BatchNormStatistics, training: Bool, epsilon: Float = 1e-5,
    activation: BatchNormActivation = .none
) -> Variable {
    precondition(input.rank >= 2, "batchNorm needs [n, c, ...]")
    let (n, channels) = (input.shape[0], input.shape[1])
    let spatial = input.shape.dropFirst(2).reduce(1, *)
    precondition(scale.shape == [channels] && shift.shape == [channels], "batchNorm scale/shift must be [\(channels)]")
    let perChannel = n * spatial
    var mean = [Float](repeating: 0, count: channels)
    var inverseDeviation = [Float](repeating: 0, count: channels)
    let x = input.value
    let relu = activation == .relu
    let (gamma, beta) = (scale.value.scalars, shift.value.scalars)
    var out = uninitializedScalars(x.count)
    x.scalars.withUnsafeBufferPointer { xb in
        mean.withUnsafeMutableBufferPointer { meanBuffer in
            inverseDeviation.withUnsafeMutableBufferPointer { deviationBuffer in
                out.withUnsafeMutableBufferPointer { ob in
                    let (xp, mp, dp, op) = (
                        xb.baseAddress!, meanBuffer.baseAddress!, deviationBuffer.baseAddress!, ob.baseAddress!
                    )
                    if training {
                        precondition(perChannel > 1, "batchNorm in training needs more than one value per channel")
                    }
                    let runningMean = statistics.mean, runningVariance = statistics.variance
                    let momentum = statistics.momentum
                    var unbiased = [Float](repeating: 0, count: training ? channels : 0)
                    unbiased.withUnsafeMutableBufferPointer { ub in
                        let up = ub.baseAddress
                        Parallel.forEachBlock(of: channels) { _, range in
                            for c in range {
                                if training {
                                    // One pass of shifted sums: float within a plane (short), double
                                    // across planes.
                                    let shift = xp[c &* spatial]
                                    var total = 0.0, squares = 0.0
                                    for image in 0..<n {
                                        let plane = xp + (image &* channels &+ c) &* spatial
                                        let (a, b) = VectorKernels.shiftedSums(plane, spatial, shift: shift)
                                        total += Double(a)
                                        squares += Double(b)
                                    }
                                    let shiftedMean = total / Double(perChannel)
                                    let m = Float(Double(shift) + shiftedMean)
                                    // Σ (x − mean)² = Σ (x − s)² − M·(mean − s)²
                                    let squaresAboutMean = Swift.max(
                                        squares - Double(perChannel) * shiftedMean * shiftedMean, 0)
                                    mp[c] = m
                                    dp[c] = Float(
                                        1 / (squaresAboutMean / Double(perChannel) + Double(epsilon)).squareRoot())
                                    up![c] = Float(squaresAboutMean / Double(perChannel - 1))
                                } else {
                                    mp[c] = runningMean.value.scalars[c]
                                    dp[c] = 1 / (runningVariance.value.scalars[c] + epsilon).squareRoot()
                                }
                                // y = γ x̂ + β = a·x + b
                                let a = gamma[c] * dp[c], b = beta[c] - gamma[c] * dp[c] * mp[c]
                                for image in 0..<n {
                                    let offset = (image &* channels &+ c) &* spatial
                                    VectorKernels.affine(
                                        xp + offset, op + offset, spatial, scale: a, shift: b, relu: relu)
                                }
                            }
                        }
                    }
                    if training {
                        for c in 0..<channels {
                            runningMean.value.scalars[c] =
                                (1 - momentum) * runningMean.value.scalars[c] + momentum * mp[c]
                            runningVariance.value.scalars[c] =
                                (1 - momentum) * runningVariance.value.scalars[c] + momentum * unbiased[c]
                        }
                    }
                }
            }
        }
    }
    let output = Tensor(shape: x.shape, scalars: out)
    return .result(output, [input, scale, shift]) { g in
        var sumG = [Float](repeating: 0, count: channels)
        var sumGXHat = [Float](repeating: 0, count: channels)
        let needInput = input.requiresGrad
        var dx = uninitializedScalars(needInput ? x.count : 0)
        g.scalars.withUnsafeBufferPointer { gb in
            x.scalars.withUnsafeBufferPointer { xb in
                output.scalars.withUnsafeBufferPointer { yb in
                    sumG.withUnsafeMutableBufferPointer { sgb in
                        sumGXHat.withUnsafeMutableBufferPointer { sxb in
                            dx.withUnsafeMutableBufferPointer { db in
                                let (gp, xp, yp, sgp, sxp, dxp) = (
                                    gb.baseAddress!, xb.baseAddress!, yb.baseAddress!,
                                    sgb.baseAddress!, sxb.baseAddress!, db.baseAddress
                                )
                                Parallel.forEachBlock(of: channels) { _, range in
                                    // With a fused ReLU the masked gradient is written while summing (into
                                    // dx, or a scratch plane when dx is not needed) and read from there.
                                    var scratch = [Float](repeating: 0, count: relu && dxp == nil ? spatial : 0)
                                    scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                                        for c in range {
                                            let (m, s) = (mean[c], inverseDeviation[c])
                                            var a = 0.0, b = 0.0
                                            for image in 0..<n {
                                                let offset = (image &* channels &+ c) &* spatial
                                                let (pa, pb): (Float, Float)
                                                if relu {
                                                    let target = dxp.map { $0 + offset } ?? scratchBuffer.baseAddress!
                                                    (pa, pb) = VectorKernels.maskedGradientSums(
                                                        gp + offset, yp + offset, xp + offset,
                                                        target, spatial, mean: m)
                                                } else {
                                                    (pa, pb) = VectorKernels.gradientSums(
                                                        gp + offset, xp + offset, spatial, mean: m)
                                                }
                                                a += Double(pa)
                                                b += Double(pb) * Double(s)
                                            }
                                            sgp[c] = Float(a)
                                            sxp[c] = Float(b)
                                            guard let dxp else { continue }
                                            let factor = gamma[c] * s
                                            let meanG = training ? sgp[c] / Float(perChannel) : 0
                                            let meanGXHat = training ? sxp[c] / Float(perChannel) : 0
                                            for image in 0..<n {
                                                let offset = (image &* channels &+ c) &* spatial
                                                let gradient = relu ? UnsafePointer(dxp + offset) : gp + offset
                                                VectorKernels.batchNormInputGradient(
                                                    gradient, xp + offset, dxp + offset, spatial,
                                                    factor: factor, meanG: meanG, mean: m,
                                                    slope: s * meanGXHat)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if scale.requiresGrad { scale.accumulate(Tensor(shape: [channels], scalars: sumGXHat)) }
        if shift.requiresGrad { shift.accumulate(Tensor(shape: [channels], scalars: sumG)) }
        if needInput { input.accumulate(Tensor(shape: x.shape, scalars: dx)) }
    }
}
