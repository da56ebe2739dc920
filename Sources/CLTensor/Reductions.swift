/// Reductions over axes. Each is computed on the view [outer, extent, inner] of one axis;
/// several axes reduce one after another (largest first), which keeps every kernel a
/// simple loop and lets the pullbacks compose.
extension Tensor {
    /// (outer, extent, inner) of `axis`.
    func split(at axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    func summed(alongAxis axis: Int) -> Tensor {
        let (outer, extent, inner) = split(at: axis)
        var out = [Float](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for p in 0..<outer {
                    for e in 0..<extent {
                        let base = (p * extent + e) * inner
                        for q in 0..<inner { o[p * inner + q] += x[base + q] }
                    }
                }
            }
        }
        var newShape = shape
        newShape[axis] = 1
        return Tensor(shape: newShape, scalars: out)
    }

    /// The gradient of a sum over `axis` (kept as extent 1), repeated back over the axis.
    func repeated(alongAxis axis: Int, count extent: Int) -> Tensor {
        let (outer, _, inner) = split(at: axis)
        var out = [Float](repeating: 0, count: outer * extent * inner)
        scalars.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { o in
                for p in 0..<outer {
                    for e in 0..<extent {
                        let base = (p * extent + e) * inner
                        for q in 0..<inner { o[base + q] = g[p * inner + q] }
                    }
                }
            }
        }
        var newShape = shape
        newShape[axis] = extent
        return Tensor(shape: newShape, scalars: out)
    }
}

func normalizedAxes(_ axes: [Int]?, rank: Int) -> [Int] {
    let list = axes ?? Array(0..<rank)
    return Array(Set(list.map { $0 < 0 ? $0 + rank : $0 })).sorted(by: >)
}

extension Variable {
    /// Sum over `axes` (all axes when nil). With `keepDimensions` reduced axes stay as extent 1.
    public func sum(axes: [Int]? = nil, keepDimensions: Bool = false) -> Variable {
        var result = self
        let list = normalizedAxes(axes, rank: rank)
        for axis in list { result = result.sum(alongAxis: axis) }
        if !keepDimensions {
            let kept = shape.enumerated().filter { !list.contains($0.offset) }.map(\.element)
            result = result.reshaped(kept)
        }
        return result
    }

    public func sum(axis: Int, keepDimensions: Bool = false) -> Variable {
        sum(axes: [axis], keepDimensions: keepDimensions)
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDimensions: Bool = false) -> Variable {
        let list = normalizedAxes(axes, rank: rank)
        let count = list.reduce(1) { $0 * shape[$1] }
        return sum(axes: list, keepDimensions: keepDimensions) * (1 / Float(Swift.max(count, 1)))
    }

    public func mean(axis: Int, keepDimensions: Bool = false) -> Variable {
        mean(axes: [axis], keepDimensions: keepDimensions)
    }

    /// Maximum over `axes`; the gradient goes to the first maximal element.
    public func max(axes: [Int]? = nil, keepDimensions: Bool = false) -> Variable {
        var result = self
        let list = normalizedAxes(axes, rank: rank)
        for axis in list { result = result.max(alongAxis: axis) }
        if !keepDimensions {
            let kept = shape.enumerated().filter { !list.contains($0.offset) }.map(\.element)
            result = result.reshaped(kept)
        }
        return result
    }

    public func max(axis: Int, keepDimensions: Bool = false) -> Variable {
        max(axes: [axis], keepDimensions: keepDimensions)
    }

    /// Minimum over `axes`, computed as −max(−x) so that it shares max's kernel and
    /// pullback: the gradient goes to the first minimal element. Prototype networks need
    /// it for "the closest encoding to each prototype" and back (PSENN's two regularisers).
    public func min(axes: [Int]? = nil, keepDimensions: Bool = false) -> Variable {
        (self * -1).max(axes: axes, keepDimensions: keepDimensions) * -1
    }

    public func min(axis: Int, keepDimensions: Bool = false) -> Variable {
        min(axes: [axis], keepDimensions: keepDimensions)
    }

    private func sum(alongAxis axis: Int) -> Variable {
        let extent = shape[axis]
        return .result(value.summed(alongAxis: axis), [self]) { g in
            self.accumulate(g.repeated(alongAxis: axis, count: extent))
        }
    }

    private func max(alongAxis axis: Int) -> Variable {
        let (outer, extent, inner) = value.split(at: axis)
        var out = [Float](repeating: -.infinity, count: outer * inner)
        var winner = [Int](repeating: 0, count: outer * inner)
        value.scalars.withUnsafeBufferPointer { x in
            for p in 0..<outer {
                for e in 0..<extent {
                    for q in 0..<inner {
                        let v = x[(p * extent + e) * inner + q]
                        if e == 0 || v > out[p * inner + q] {
                            out[p * inner + q] = v
                            winner[p * inner + q] = e
                        }
                    }
                }
            }
        }
        var newShape = shape
        newShape[axis] = 1
        let inputShape = shape
        return .result(Tensor(shape: newShape, scalars: out), [self]) { g in
            var gradient = Tensor(shape: inputShape)
            for p in 0..<outer {
                for q in 0..<inner {
                    gradient.scalars[(p * extent + winner[p * inner + q]) * inner + q] += g.scalars[p * inner + q]
                }
            }
            self.accumulate(gradient)
        }
    }
}
