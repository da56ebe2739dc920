/// NumPy-style broadcasting for the elementwise operations: shapes are aligned at the
/// right, and an axis of extent 1 (or a missing leading axis) repeats to match the other.
enum Broadcasting {
    /// The broadcast result shape, or a precondition failure naming both shapes.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "cannot broadcast shapes \(a) and \(b)")
            result[i] = da == 1 ? db : da
        }
        return result
    }

    /// Element strides of `shape` when read as a tensor of `outputShape` (0 on repeated axes).
    static func strides(of shape: [Int], broadcastTo outputShape: [Int]) -> [Int] {
        let rank = outputShape.count
        var result = [Int](repeating: 0, count: rank)
        var step = 1
        for i in stride(from: rank - 1, through: 0, by: -1) {
            let j = i - (rank - shape.count)
            if j >= 0 {
                if shape[j] != 1 { result[i] = step }
                step *= shape[j]
            }
        }
        return result
    }

    /// `combine(a[i], b[i])` over the broadcast shape. Same-shape and scalar operands take
    /// straight loops; the general case walks the output with an odometer over all axes
    /// but the last and a strided inner loop.
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            var out = [Float](repeating: 0, count: a.count)
            out.withUnsafeMutableBufferPointer { o in
                a.scalars.withUnsafeBufferPointer { x in
                    b.scalars.withUnsafeBufferPointer { y in
                        for i in 0..<o.count { o[i] = combine(x[i], y[i]) }
                    }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        let outShape = shape(a.shape, b.shape)
        let sa = strides(of: a.shape, broadcastTo: outShape)
        let sb = strides(of: b.shape, broadcastTo: outShape)
        let total = outShape.reduce(1, *)
        var out = [Float](repeating: 0, count: total)
        if total == 0 { return Tensor(shape: outShape, scalars: out) }
        let rank = outShape.count
        let inner = rank == 0 ? 1 : outShape[rank - 1]
        let innerA = rank == 0 ? 0 : sa[rank - 1]
        let innerB = rank == 0 ? 0 : sb[rank - 1]
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        out.withUnsafeMutableBufferPointer { o in
            a.scalars.withUnsafeBufferPointer { x in
                b.scalars.withUnsafeBufferPointer { y in
                    var offsetA = 0, offsetB = 0, position = 0
                    while position < total {
                        for k in 0..<inner {
                            o[position &+ k] = combine(x[offsetA &+ k &* innerA], y[offsetB &+ k &* innerB])
                        }
                        position += inner
                        // Advance the odometer over the outer axes.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offsetA += sa[axis]
                            offsetB += sb[axis]
                            if index[axis] < outShape[axis] { break }
                            offsetA -= sa[axis] * outShape[axis]
                            offsetB -= sb[axis] * outShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
        return Tensor(shape: outShape, scalars: out)
    }

    /// Sums `gradient` (of the broadcast shape) down to `shape`: the pullback of broadcasting.
    static func reduce(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        if let blocks = leadingBroadcast(of: shape, to: gradient.shape) {
            return sumOfBlocks(gradient, blocks: blocks, shape: shape)
        }
        return reduceByWalking(gradient, to: shape)
    }

    /// When `shape` is `outShape` with its leading axes broadcast (a bias [m] or [1, m]
    /// against [n, m]): the number of repeated blocks, each of `shape`'s element count.
    static func leadingBroadcast(of shape: [Int], to outShape: [Int]) -> Int? {
        let trailing = shape.drop { $0 == 1 }
        guard trailing.count <= outShape.count, Array(outShape.suffix(trailing.count)) == Array(trailing) else {
            return nil
        }
        let blockSize = trailing.reduce(1, *)
        return blockSize == 0 ? nil : outShape.reduce(1, *) / blockSize
    }

    /// Σ over `blocks` consecutive blocks of `gradient` (the pullback of a leading broadcast),
    /// one contiguous pass per block.
    static func sumOfBlocks(_ gradient: Tensor, blocks: Int, shape: [Int]) -> Tensor {
        let size = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: size)
        out.withUnsafeMutableBufferPointer { o in
            gradient.scalars.withUnsafeBufferPointer { g in
                for block in 0..<blocks {
                    let base = block &* size
                    for k in 0..<size { o[k] += g[base &+ k] }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// The general pullback: walks every element of `gradient` with an odometer.
    static func reduceByWalking(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        let outShape = gradient.shape
        let strides = strides(of: shape, broadcastTo: outShape)
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        let rank = outShape.count
        var index = [Int](repeating: 0, count: rank)
        out.withUnsafeMutableBufferPointer { o in
            gradient.scalars.withUnsafeBufferPointer { g in
                var offset = 0
                for position in 0..<g.count {
                    o[offset] += g[position]
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        offset -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }
}

extension Tensor {
    /// `transform` applied to every element.
    @inline(__always)
    func map(_ transform: (Float) -> Float) -> Tensor {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            scalars.withUnsafeBufferPointer { x in
                for i in 0..<o.count { o[i] = transform(x[i]) }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// `combine` over two same-shape tensors.
    @inline(__always)
    func zipMap(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        return Broadcasting.binary(self, other, combine)
    }

    /// `combine` over three same-shape tensors.
    @inline(__always)
    func zipMap(_ second: Tensor, _ third: Tensor, _ combine: (Float, Float, Float) -> Float) -> Tensor {
        precondition(shape == second.shape && shape == third.shape, "shapes differ")
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            scalars.withUnsafeBufferPointer { x in
                second.scalars.withUnsafeBufferPointer { y in
                    third.scalars.withUnsafeBufferPointer { z in
                        for i in 0..<o.count { o[i] = combine(x[i], y[i], z[i]) }
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }
}
