#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

/// Softmax and log-softmax along one axis, computed stably (the maximum is subtracted
/// first), with their closed-form pullbacks rather than a chain of exp/sum/divide nodes.
extension Variable {
    public func softmax(axis: Int = -1) -> Variable {
        let axis = (axis + rank) % rank
        let (outer, extent, inner) = value.split(at: axis)
        var y = value
        y.scalars.withUnsafeMutableBufferPointer { v in
            for p in 0..<outer {
                for q in 0..<inner {
                    let base = p * extent * inner + q
                    var top = -Float.infinity
                    for e in 0..<extent { top = Swift.max(top, v[base + e * inner]) }
                    var total: Float = 0
                    for e in 0..<extent { let t = expf(v[base + e * inner] - top); v[base + e * inner] = t; total += t }
                    for e in 0..<extent { v[base + e * inner] /= total }
                }
            }
        }
        let output = y
        return .result(output, [self]) { g in
            // dx = y ⊙ (g − Σ g⊙y)
            var dx = g
            for p in 0..<outer {
                for q in 0..<inner {
                    let base = p * extent * inner + q
                    var dot: Float = 0
                    for e in 0..<extent { dot += g.scalars[base + e * inner] * output.scalars[base + e * inner] }
                    for e in 0..<extent {
                        let i = base + e * inner
                        dx.scalars[i] = output.scalars[i] * (g.scalars[i] - dot)
                    }
                }
            }
            self.accumulate(dx)
        }
    }

    public func logSoftmax(axis: Int = -1) -> Variable {
        let axis = (axis + rank) % rank
        let (outer, extent, inner) = value.split(at: axis)
        var y = value
        y.scalars.withUnsafeMutableBufferPointer { v in
            for p in 0..<outer {
                for q in 0..<inner {
                    let base = p * extent * inner + q
                    var top = -Float.infinity
                    for e in 0..<extent { top = Swift.max(top, v[base + e * inner]) }
                    var total: Float = 0
                    for e in 0..<extent { total += expf(v[base + e * inner] - top) }
                    let logTotal = top + logf(total)
                    for e in 0..<extent { v[base + e * inner] -= logTotal }
                }
            }
        }
        let output = y
        return .result(output, [self]) { g in
            // dx = g − softmax ⊙ Σ g
            var dx = g
            for p in 0..<outer {
                for q in 0..<inner {
                    let base = p * extent * inner + q
                    var total: Float = 0
                    for e in 0..<extent { total += g.scalars[base + e * inner] }
                    for e in 0..<extent {
                        let i = base + e * inner
                        dx.scalars[i] = g.scalars[i] - expf(output.scalars[i]) * total
                    }
                }
            }
            self.accumulate(dx)
        }
    }
}
