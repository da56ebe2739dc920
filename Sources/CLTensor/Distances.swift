/// Vector normalisation and pairwise distances, the building blocks of prototype and
/// cosine classifiers and of contrastive losses.
extension Variable {
    /// Each vector along the last axis divided by its L2 norm, max(‖x‖, epsilon)
    /// (as torch.nn.functional.normalize), so zero vectors stay zero instead of NaN.
    public func l2Normalized(epsilon: Float = 1e-12) -> Variable {
        let width = shape[rank - 1]
        let rows = width == 0 ? 0 : value.count / width
        var norms = [Float](repeating: 0, count: rows)
        var y = value
        for r in 0..<rows {
            var total: Float = 0
            for c in 0..<width { let v = value.scalars[r * width + c]; total += v * v }
            norms[r] = Swift.max(total.squareRoot(), epsilon)
            for c in 0..<width { y.scalars[r * width + c] /= norms[r] }
        }
        let output = y
        return .result(output, [self]) { g in
            var dx = g
            for r in 0..<rows {
                let clamped = norms[r] == epsilon
                var dot: Float = 0
                for c in 0..<width { dot += g.scalars[r * width + c] * output.scalars[r * width + c] }
                for c in 0..<width {
                    let i = r * width + c
                    // Below epsilon the divisor is a constant, so the map is linear.
                    dx.scalars[i] =
                        clamped ? g.scalars[i] / epsilon : (g.scalars[i] - output.scalars[i] * dot) / norms[r]
                }
            }
            self.accumulate(dx)
        }
    }

    /// Squared Euclidean distances between the rows of self [n, d] and other [m, d]:
    /// ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j, one GEMM, clamped at 0 against rounding.
    public func pairwiseSquaredDistances(_ other: Variable) -> Variable {
        precondition(
            rank == 2 && other.rank == 2 && shape[1] == other.shape[1],
            "pairwise distances need [n, d] and [m, d], got \(shape) and \(other.shape)")
        let (a, b) = (value, other.value)
        let (n, m, d) = (shape[0], other.shape[0], shape[1])
        var out = a.matrixProduct(b, transposeOther: true)
        var normA = [Float](repeating: 0, count: n), normB = [Float](repeating: 0, count: m)
        for i in 0..<n { for k in 0..<d { normA[i] += a.scalars[i * d + k] * a.scalars[i * d + k] } }
        for j in 0..<m { for k in 0..<d { normB[j] += b.scalars[j * d + k] * b.scalars[j * d + k] } }
        var clampedAtZero = [Bool](repeating: false, count: n * m)
        for i in 0..<n {
            for j in 0..<m {
                let v = normA[i] + normB[j] - 2 * out.scalars[i * m + j]
                clampedAtZero[i * m + j] = v < 0
                out.scalars[i * m + j] = Swift.max(v, 0)
            }
        }
        return .result(out, [self, other]) { g in
            var gm = g
            for i in 0..<(n * m) where clampedAtZero[i] { gm.scalars[i] = 0 }
            if self.requiresGrad {
                // dA = 2 (diag(rowsum G) A − G B)
                var dA = gm.matrixProduct(b)
                for i in 0..<n {
                    var rowSum: Float = 0
                    for j in 0..<m { rowSum += gm.scalars[i * m + j] }
                    for k in 0..<d {
                        dA.scalars[i * d + k] = 2 * (rowSum * a.scalars[i * d + k] - dA.scalars[i * d + k])
                    }
                }
                self.accumulate(dA)
            }
            if other.requiresGrad {
                // dB = 2 (diag(colsum G) B − Gᵀ A)
                var dB = gm.matrixProduct(a, transposeSelf: true)
                for j in 0..<m {
                    var columnSum: Float = 0
                    for i in 0..<n { columnSum += gm.scalars[i * m + j] }
                    for k in 0..<d {
                        dB.scalars[j * d + k] = 2 * (columnSum * b.scalars[j * d + k] - dB.scalars[j * d + k])
                    }
                }
                other.accumulate(dB)
            }
        }
    }

    /// Euclidean distances, sqrt(squared distance + epsilon); the epsilon keeps the
    /// gradient finite where two rows coincide.
    public func pairwiseDistances(_ other: Variable, epsilon: Float = 1e-12) -> Variable {
        (pairwiseSquaredDistances(other) + epsilon).sqrt()
    }

    /// Cosine similarities between the rows of self [n, d] and other [m, d].
    public func cosineSimilarities(_ other: Variable) -> Variable {
        l2Normalized().matmul(other.l2Normalized(), transposeOther: true)
    }
}

extension Variable {
    /// Σ_i (w_i (x_i − t_i))² to a constant `target` of the same shape, with optional weights
    /// (a 0/1 mask), as one scalar: the output regulariser of hypernetworks over the whole
    /// generated weight vector, in one pass forward and one backward instead of four
    /// elementwise operations that each allocate a vector of that size.
    public func squaredDistance(to target: Tensor, weights: Tensor? = nil) -> Variable {
        precondition(
            target.shape == shape && (weights == nil || weights!.shape == shape),
            "squaredDistance needs equal shapes, got \(shape), \(target.shape) and \(weights?.shape ?? shape)")
        let x = value
        let total = x.scalars.withUnsafeBufferPointer { xs in
            target.scalars.withUnsafeBufferPointer { ts in
                guard let weights else {
                    return VectorKernels.squaredDistance(xs.baseAddress!, ts.baseAddress!, nil, xs.count)
                }
                return weights.scalars.withUnsafeBufferPointer { ws in
                    VectorKernels.squaredDistance(xs.baseAddress!, ts.baseAddress!, ws.baseAddress!, xs.count)
                }
            }
        }
        return .result(Tensor(shape: [], scalars: [total]), [self]) { g in
            let scale = 2 * g.scalars[0]
            var gradient = [Float](repeating: 0, count: x.count)
            gradient.withUnsafeMutableBufferPointer { out in
                x.scalars.withUnsafeBufferPointer { xs in
                    target.scalars.withUnsafeBufferPointer { ts in
                        if let weights {
                            weights.scalars.withUnsafeBufferPointer { ws in
                                for i in 0..<xs.count { out[i] = scale * ws[i] * ws[i] * (xs[i] - ts[i]) }
                            }
                        } else {
                            for i in 0..<xs.count { out[i] = scale * (xs[i] - ts[i]) }
                        }
                    }
                }
            }
            self.accumulate(Tensor(shape: x.shape, scalars: gradient))
        }
    }
}
