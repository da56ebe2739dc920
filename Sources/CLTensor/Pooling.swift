/// Max and average pooling over NCHW input, and global average pooling.
extension Variable {
    /// Max pooling; padding counts as −∞ (never selected), as in PyTorch. The pullback
    /// routes each output gradient to the first maximal input of its window.
    ///
    /// Planes are split across the `Parallel` workers, and the winners are recorded only
    /// when a gradient will be needed: with one serial loop this took a quarter of a Conv-4
    /// run (`perf`, Split-MNIST with nmc on a trained backbone).
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
        let stride = stride ?? kernel
        precondition(rank == 4, "maxPool2d needs [n, c, h, w]")
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1
        let recordsWinners = GradientMode.isEnabled && requiresGrad
        var out = uninitializedScalars(planes * oh * ow)
        var winners = [Int](repeating: 0, count: recordsWinners ? out.count : 0)
        value.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                winners.withUnsafeMutableBufferPointer { wb in
                    // (An empty array's buffer may still have a base address.)
                    let (xp, op, wp) = (x.baseAddress!, o.baseAddress!, recordsWinners ? wb.baseAddress : nil)
                    Parallel.forEachRange(of: planes, minimumPerWorker: 8) { range in
                        if kernel == 2 && stride == 2 && padding == 0 {
                            // The common 2×2 case, without the window bounds (same choice of
                            // winner: the first maximal value in window order).
                            for p in range {
                                for oy in 0..<oh {
                                    let top = (p &* h &+ 2 &* oy) &* w
                                    let target = (p &* oh &+ oy) &* ow
                                    for ox in 0..<ow {
                                        let i = top &+ 2 &* ox
                                        var best = xp[i], index = i
                                        if xp[i &+ 1] > best { best = xp[i &+ 1]; index = i &+ 1 }
                                        if xp[i &+ w] > best { best = xp[i &+ w]; index = i &+ w }
                                        if xp[i &+ w &+ 1] > best { best = xp[i &+ w &+ 1]; index = i &+ w &+ 1 }
                                        op[target &+ ox] = best
                                        wp?[target &+ ox] = index
                                    }
                                }
                            }
                            return
                        }
                        for p in range {
                            for oy in 0..<oh {
                                let y0 = oy &* stride &- padding
                                let rows = Swift.max(0, -y0)..<Swift.min(kernel, h &- y0)
                                for ox in 0..<ow {
                                    let x0 = ox &* stride &- padding
                                    let columns = Swift.max(0, -x0)..<Swift.min(kernel, w &- x0)
                                    var best = -Float.infinity, bestIndex = -1
                                    for ky in rows {
                                        let row = (p &* h &+ y0 &+ ky) &* w &+ x0
                                        for kx in columns where bestIndex < 0 || xp[row &+ kx] > best {
                                            best = xp[row &+ kx]
                                            bestIndex = row &+ kx
                                        }
                                    }
                                    let target = (p &* oh &+ oy) &* ow &+ ox
                                    op[target] = best
                                    wp?[target] = bestIndex
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return .result(Tensor(shape: [shape[0], shape[1], oh, ow], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
            let perPlane = oh * ow
            g.scalars.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    winners.withUnsafeBufferPointer { wb in
                        let (gp, dp, wp) = (gb.baseAddress!, db.baseAddress!, wb.baseAddress!)
                        // A window never reaches into another plane, so workers own whole planes.
                        Parallel.forEachRange(of: planes, minimumPerWorker: 8) { range in
                            for i in (range.lowerBound &* perPlane)..<(range.upperBound &* perPlane) where wp[i] >= 0 {
                                dp[wp[i]] += gp[i]
                            }
                        }
                    }
                }
            }
            self.accumulate(Tensor(shape: inputShape, scalars: dx))
        }
    }

    /// Average pooling; padded positions count as zeros in the divisor (PyTorch's default
    /// `count_include_pad=True`).
    public func averagePool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
        let stride = stride ?? kernel
        precondition(rank == 4, "averagePool2d needs [n, c, h, w]")
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1
        let scale = 1 / Float(kernel * kernel)
        var out = [Float](repeating: 0, count: planes * oh * ow)
        // Visits every (output, input) pair of the windows; the same walk serves the pullback.
        func forEachPair(_ body: (_ output: Int, _ input: Int) -> Void) {
            for p in 0..<planes {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        for ky in 0..<kernel {
                            let y = oy * stride - padding + ky
                            if y < 0 || y >= h { continue }
                            for kx in 0..<kernel {
                                let xx = ox * stride - padding + kx
                                if xx < 0 || xx >= w { continue }
                                body((p * oh + oy) * ow + ox, (p * h + y) * w + xx)
                            }
                        }
                    }
                }
            }
        }
        let x = value
        forEachPair { o, i in out[o] += x.scalars[i] * scale }
        let inputShape = shape
        return .result(Tensor(shape: [shape[0], shape[1], oh, ow], scalars: out), [self]) { g in
            var dx = Tensor(shape: inputShape)
            forEachPair { o, i in dx.scalars[i] += g.scalars[o] * scale }
            self.accumulate(dx)
        }
    }

    /// Mean over the spatial axes: [n, c, h, w] → [n, c].
    public func globalAveragePool() -> Variable {
        precondition(rank == 4, "globalAveragePool needs [n, c, h, w]")
        let (n, c, pixels) = (shape[0], shape[1], shape[2] * shape[3])
        let scale = 1 / Float(pixels)
        var out = [Float](repeating: 0, count: n * c)
        value.scalars.withUnsafeBufferPointer { x in
            for plane in 0..<(n * c) {
                var total: Float = 0
                for i in 0..<pixels { total += x[plane * pixels + i] }
                out[plane] = total * scale
            }
        }
        let inputShape = shape
        return .result(Tensor(shape: [n, c], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: n * c * pixels)
            for plane in 0..<(n * c) {
                let v = g.scalars[plane] * scale
                for i in 0..<pixels { dx[plane * pixels + i] = v }
            }
            self.accumulate(Tensor(shape: inputShape, scalars: dx))
        }
    }

    /// Inverted dropout: in training, zeroes each element with `probability` and scales
    /// the rest by 1/(1 − p), so evaluation needs no rescaling. The mask comes from the
    /// caller's generator, so a seed fixes it.
    public func dropout(probability: Float, training: Bool, generator: inout SeededGenerator) -> Variable {
        guard training && probability > 0 else { return self }
        let keep = 1 - probability
        var mask = [Float](repeating: 0, count: value.count)
        for i in 0..<mask.count { mask[i] = generator.nextUniform() < keep ? 1 / keep : 0 }
        let maskTensor = Tensor(shape: shape, scalars: mask)
        return .result(value.zipMap(maskTensor, *), [self]) { g in self.accumulate(g.zipMap(maskTensor, *)) }
    }
}
