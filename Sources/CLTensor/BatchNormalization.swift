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

/// Batch normalisation over axis 1 of [n, c] or [n, c, h, w] (and any trailing axes).
///
/// Training mode normalises with the batch's mean and biased variance and folds them into
/// the running statistics (unbiased variance, as PyTorch); evaluation mode uses the
/// running statistics. The pullback is the closed form
/// dx = γ/σ · (g − mean(g) − x̂ · mean(g · x̂)), not a graph of small operations.
public func batchNorm(_ input: Variable, scale: Variable, shift: Variable,
                      statistics: BatchNormStatistics, training: Bool, epsilon: Float = 1e-5) -> Variable {
    precondition(input.rank >= 2, "batchNorm needs [n, c, ...]")
    let (n, channels) = (input.shape[0], input.shape[1])
    let spatial = input.shape.dropFirst(2).reduce(1, *)
    precondition(scale.shape == [channels] && shift.shape == [channels], "batchNorm scale/shift must be [\(channels)]")
    let perChannel = n * spatial
    var mean = [Float](repeating: 0, count: channels)
    var inverseDeviation = [Float](repeating: 0, count: channels)
    let x = input.value
    if training {
        precondition(perChannel > 1, "batchNorm in training needs more than one value per channel")
        x.scalars.withUnsafeBufferPointer { xb in
            for c in 0..<channels {
                // Two passes in Double: exact enough for large batches of large activations.
                var total = 0.0
                for image in 0..<n {
                    let base = (image * channels + c) * spatial
                    for i in 0..<spatial { total += Double(xb[base + i]) }
                }
                let m = total / Double(perChannel)
                var squares = 0.0
                for image in 0..<n {
                    let base = (image * channels + c) * spatial
                    for i in 0..<spatial { let d = Double(xb[base + i]) - m; squares += d * d }
                }
                let variance = squares / Double(perChannel)
                mean[c] = Float(m)
                inverseDeviation[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                let momentum = statistics.momentum
                statistics.mean.value.scalars[c] = (1 - momentum) * statistics.mean.value.scalars[c] + momentum * Float(m)
                statistics.variance.value.scalars[c] = (1 - momentum) * statistics.variance.value.scalars[c]
                    + momentum * Float(squares / Double(perChannel - 1))
            }
        }
    } else {
        for c in 0..<channels {
            mean[c] = statistics.mean.value.scalars[c]
            inverseDeviation[c] = 1 / (statistics.variance.value.scalars[c] + epsilon).squareRoot()
        }
    }
    var normalized = [Float](repeating: 0, count: x.count)
    var out = [Float](repeating: 0, count: x.count)
    let (gamma, beta) = (scale.value.scalars, shift.value.scalars)
    x.scalars.withUnsafeBufferPointer { xb in
        normalized.withUnsafeMutableBufferPointer { nb in
            out.withUnsafeMutableBufferPointer { ob in
                for image in 0..<n {
                    for c in 0..<channels {
                        let base = (image * channels + c) * spatial
                        let (m, s, gc, bc) = (mean[c], inverseDeviation[c], gamma[c], beta[c])
                        for i in 0..<spatial {
                            let v = (xb[base &+ i] - m) * s
                            nb[base &+ i] = v
                            ob[base &+ i] = v * gc + bc
                        }
                    }
                }
            }
        }
    }
    let xHat = normalized
    return .result(Tensor(shape: x.shape, scalars: out), [input, scale, shift]) { g in
        var sumG = [Float](repeating: 0, count: channels)
        var sumGXHat = [Float](repeating: 0, count: channels)
        g.scalars.withUnsafeBufferPointer { gb in
            xHat.withUnsafeBufferPointer { nb in
                for image in 0..<n {
                    for c in 0..<channels {
                        let base = (image * channels + c) * spatial
                        var a: Float = 0, b: Float = 0
                        for i in 0..<spatial { a += gb[base &+ i]; b += gb[base &+ i] * nb[base &+ i] }
                        sumG[c] += a
                        sumGXHat[c] += b
                    }
                }
            }
        }
        if scale.requiresGrad { scale.accumulate(Tensor(shape: [channels], scalars: sumGXHat)) }
        if shift.requiresGrad { shift.accumulate(Tensor(shape: [channels], scalars: sumG)) }
        guard input.requiresGrad else { return }
        var dx = [Float](repeating: 0, count: x.count)
        g.scalars.withUnsafeBufferPointer { gb in
            xHat.withUnsafeBufferPointer { nb in
                dx.withUnsafeMutableBufferPointer { db in
                    for image in 0..<n {
                        for c in 0..<channels {
                            let base = (image * channels + c) * spatial
                            let factor = gamma[c] * inverseDeviation[c]
                            if training {
                                let meanG = sumG[c] / Float(perChannel), meanGXHat = sumGXHat[c] / Float(perChannel)
                                for i in 0..<spatial {
                                    db[base &+ i] = factor * (gb[base &+ i] - meanG - nb[base &+ i] * meanGXHat)
                                }
                            } else {
                                for i in 0..<spatial { db[base &+ i] = factor * gb[base &+ i] }
                            }
                        }
                    }
                }
            }
        }
        input.accumulate(Tensor(shape: x.shape, scalars: dx))
    }
}
