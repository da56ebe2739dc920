/// Operations that move elements without arithmetic: reshape, permute, slice, concat,
/// gather and rotation. Each pullback moves the gradient back the inverse way.
extension Tensor {
    /// Axes reordered: result axis i is input axis `order[i]`.
    func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "\(order) is not a permutation of the \(rank) axes")
        if order == Array(0..<rank) { return self }
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            inputStrides[axis] = inputStrides[axis + 1] * shape[axis + 1]
        }
        let outShape = order.map { shape[$0] }
        let strides = order.map { inputStrides[$0] }
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                var offset = 0
                for position in 0..<o.count {
                    o[position] = x[offset]
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
        return Tensor(shape: outShape, scalars: out)
    }

    /// Rotation of the last two axes by k·90° counter-clockwise (as torch.rot90(x, k, (-2, -1))).
    func rotated90(times k: Int) -> Tensor {
        let turns = ((k % 4) + 4) % 4
        if turns == 0 { return self }
        precondition(rank >= 2, "rotation needs at least two axes")
        let h = shape[rank - 2], w = shape[rank - 1]
        let planes = count / Swift.max(h * w, 1)
        var outShape = shape
        if turns % 2 == 1 { outShape[rank - 2] = w; outShape[rank - 1] = h }
        let outH = outShape[rank - 2], outW = outShape[rank - 1]
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for p in 0..<planes {
                    let base = p * h * w
                    for i in 0..<outH {
                        for j in 0..<outW {
                            let source: Int
                            switch turns {
                            case 1: source = j * w + (w - 1 - i)
                            case 2: source = (h - 1 - i) * w + (w - 1 - j)
                            default: source = (h - 1 - j) * w + i
                            }
                            o[base + i * outW + j] = x[base + source]
                        }
                    }
                }
            }
        }
        return Tensor(shape: outShape, scalars: out)
    }
}

extension Variable {
    /// The same elements with another shape; one extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Variable {
        var target = newShape
        if let unknown = target.firstIndex(of: -1) {
            let known = target.filter { $0 != -1 }.reduce(1, *)
            target[unknown] = known == 0 ? 0 : value.count / known
        }
        let original = shape
        return .result(value.reshaped(target), [self]) { g in self.accumulate(g.reshaped(original)) }
    }

    /// Rows flattened: [n, ...] → [n, product of the rest].
    public func flattened() -> Variable { reshaped([shape[0], -1]) }

    /// Axes reordered: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return .result(value.permuted(order), [self]) { g in self.accumulate(g.permuted(inverse)) }
    }

    /// Two axes swapped (the last two by default: the matrix transpose).
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Variable {
        var order = Array(0..<rank)
        order.swapAt((first + rank) % rank, (second + rank) % rank)
        return permuted(order)
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Variable {
        let axis = (axis + rank) % rank
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of \(shape) on axis \(axis)")
        let (outer, extent, inner) = value.split(at: axis)
        let length = range.count
        // For each index of the outer axes the slice is one contiguous block of
        // length · inner elements: copy and add blocks, not single elements.
        let block = length * inner
        var out = [Float](repeating: 0, count: outer * block)
        if block > 0 {
            value.scalars.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { o in
                    for p in 0..<outer {
                        let from = (p * extent + range.lowerBound) * inner
                        (o.baseAddress! + p * block).update(from: x.baseAddress! + from, count: block)
                    }
                }
            }
        }
        var outShape = shape
        outShape[axis] = length
        return .result(Tensor(shape: outShape, scalars: out), [self]) { g in
            self.accumulate(g, blocksOf: block, atOffsets: (0..<outer).map { ($0 * extent + range.lowerBound) * inner })
        }
    }

    /// Rows selected (and possibly repeated) along `axis`: result index i takes input index
    /// `indices[i]`. The pullback adds gradients of repeated indices.
    public func indexSelect(_ indices: [Int], axis: Int = 0) -> Variable {
        let axis = (axis + rank) % rank
        let (outer, extent, inner) = value.split(at: axis)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < extent }, "index out of range 0..<\(extent)")
        var out = [Float](repeating: 0, count: outer * indices.count * inner)
        for p in 0..<outer {
            for (e, index) in indices.enumerated() {
                let from = (p * extent + index) * inner, to = (p * indices.count + e) * inner
                for q in 0..<inner { out[to + q] = value.scalars[from + q] }
            }
        }
        var outShape = shape
        outShape[axis] = indices.count
        let inputShape = shape
        return .result(Tensor(shape: outShape, scalars: out), [self]) { g in
            var gradient = [Float](repeating: 0, count: outer * extent * inner)
            for p in 0..<outer {
                for (e, index) in indices.enumerated() {
                    let to = (p * extent + index) * inner, from = (p * indices.count + e) * inner
                    for q in 0..<inner { gradient[to + q] += g.scalars[from + q] }
                }
            }
            self.accumulate(Tensor(shape: inputShape, scalars: gradient))
        }
    }

    /// For a matrix [n, c], the n elements x[i, indices[i]] (for example the log-probability
    /// of each sample's label).
    public func gather(columns indices: [Int]) -> Variable {
        precondition(rank == 2 && indices.count == shape[0], "gather needs [n, c] and n indices")
        let columns = shape[1]
        let out = indices.enumerated().map { value.scalars[$0.offset * columns + $0.element] }
        let inputShape = shape
        return .result(Tensor(shape: [indices.count], scalars: out), [self]) { g in
            var gradient = Tensor(shape: inputShape)
            for (i, column) in indices.enumerated() { gradient.scalars[i * columns + column] += g.scalars[i] }
            self.accumulate(gradient)
        }
    }

    /// Rotation of the last two axes by k·90° counter-clockwise (torch.rot90 on dims (-2, -1)).
    public func rotated90(times k: Int) -> Variable {
        .result(value.rotated90(times: k), [self]) { g in self.accumulate(g.rotated90(times: -k)) }
    }
}

/// Tensors joined along `axis`; all other extents must agree.
public func concatenate(_ parts: [Variable], axis: Int = 0) -> Variable {
    precondition(!parts.isEmpty, "concatenate needs at least one tensor")
    let rank = parts[0].rank
    let axis = (axis + rank) % rank
    let extents = parts.map { $0.shape[axis] }
    var outShape = parts[0].shape
    outShape[axis] = extents.reduce(0, +)
    for part in parts {
        var expected = outShape
        expected[axis] = part.shape[axis]
        precondition(
            part.shape == expected, "concatenate: shape \(part.shape) does not fit \(outShape) on axis \(axis)")
    }
    let outer = outShape[..<axis].reduce(1, *)
    let inner = outShape[(axis + 1)...].reduce(1, *)
    let total = outShape[axis]
    var out = [Float](repeating: 0, count: outShape.reduce(1, *))
    var start = 0
    for (part, extent) in zip(parts, extents) {
        for p in 0..<outer {
            let from = p * extent * inner, to = (p * total + start) * inner
            for q in 0..<(extent * inner) { out[to + q] = part.value.scalars[from + q] }
        }
        start += extent
    }
    return .result(Tensor(shape: outShape, scalars: out), parts) { g in
        var start = 0
        for (part, extent) in zip(parts, extents) {
            defer { start += extent }
            guard part.requiresGrad else { continue }
            var gradient = [Float](repeating: 0, count: outer * extent * inner)
            for p in 0..<outer {
                let to = p * extent * inner, from = (p * total + start) * inner
                for q in 0..<(extent * inner) { gradient[to + q] = g.scalars[from + q] }
            }
            part.accumulate(Tensor(shape: part.shape, scalars: gradient))
        }
    }
}

extension Variable {
    /// The option-A ResNet shortcut: every second pixel (stride-2 subsampling of
    /// [n, c, h, w]), with zero channels appended up to `outputChannels` (as PyCIL's
    /// `DownsampleA`: `cat((x[..., ::2, ::2], 0), dim: 1)`). One pass instead of a pooling
    /// and a concatenation node.
    public func subsampledWithZeroChannels(outputChannels: Int) -> Variable {
        precondition(
            rank == 4 && outputChannels >= shape[1], "subsampledWithZeroChannels needs [n, c, h, w] and ≥ c channels")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = ((h + 1) / 2, (w + 1) / 2)
        var out = uninitializedScalars(n * outputChannels * oh * ow)
        let (inputPlane, outputPlane) = (h * w, oh * ow)
        value.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                let (xp, op) = (x.baseAddress!, o.baseAddress!)
                Parallel.forEachBlock(of: n) { _, images in
                    for image in images {
                        for channel in 0..<c {
                            let source = xp + (image * c + channel) * inputPlane
                            let target = op + (image * outputChannels + channel) * outputPlane
                            for y in 0..<oh { for xx in 0..<ow { target[y * ow + xx] = source[2 * y * w + 2 * xx] } }
                        }
                        (op + (image * outputChannels + c) * outputPlane).update(
                            repeating: 0, count: (outputChannels - c) * outputPlane)
                    }
                }
            }
        }
        let inputShape = shape
        return .result(Tensor(shape: [n, outputChannels, oh, ow], scalars: out), [self]) { g in
            var dx = uninitializedScalars(n * c * inputPlane)
            g.scalars.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    let (gp, dp) = (gb.baseAddress!, db.baseAddress!)
                    Parallel.forEachBlock(of: n) { _, images in
                        for image in images {
                            for channel in 0..<c {
                                let target = dp + (image * c + channel) * inputPlane
                                let source = gp + (image * outputChannels + channel) * outputPlane
                                target.update(repeating: 0, count: inputPlane)
                                for y in 0..<oh {
                                    for xx in 0..<ow { target[2 * y * w + 2 * xx] = source[y * ow + xx] }
                                }
                            }
                        }
                    }
                }
            }
            self.accumulate(Tensor(shape: inputShape, scalars: dx))
        }
    }
}
