/// Training-time data augmentation on NCHW batches and seeded mini-batching.
///
/// Every random choice comes from the caller's `SeededGenerator`, drawn in a fixed order
/// (image by image: crop row offset, crop column offset, then the flip coin), so that one
/// seed fixes the augmented stream. Pass a generator split off for augmentation alone
/// (`generator.split()`), so that model changes do not shift the augmentation stream.
public enum Augmentation {
    /// Random crop after zero padding by `padding` pixels on each side, back to the
    /// original size (the standard CIFAR "crop 32, padding 4").
    public static func randomCrop(_ batch: Tensor, padding: Int, generator: inout SeededGenerator) -> Tensor {
        precondition(batch.rank == 4, "randomCrop needs [n, c, h, w]")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        var out = Tensor(shape: batch.shape)
        out.scalars.withUnsafeMutableBufferPointer { o in
            batch.scalars.withUnsafeBufferPointer { x in
                for image in 0..<n {
                    // Offset of the crop window in padded coordinates, minus the padding.
                    let dy = generator.nextInt(below: 2 * padding + 1) - padding
                    let dx = generator.nextInt(below: 2 * padding + 1) - padding
                    for channel in 0..<c {
                        let base = (image * c + channel) * h * w
                        for y in 0..<h {
                            let sy = y + dy
                            if sy < 0 || sy >= h { continue }
                            for xx in 0..<w {
                                let sx = xx + dx
                                if sx >= 0 && sx < w { o[base + y * w + xx] = x[base + sy * w + sx] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Mirrors each image left-right with probability `probability`.
    public static func randomHorizontalFlip(
        _ batch: Tensor, probability: Float = 0.5,
        generator: inout SeededGenerator
    ) -> Tensor {
        precondition(batch.rank == 4, "randomHorizontalFlip needs [n, c, h, w]")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        var out = batch
        for image in 0..<n where generator.nextUniform() < probability {
            for row in 0..<(c * h) {
                let base = (image * c * h + row) * w
                for xx in 0..<(w / 2) { out.scalars.swapAt(base + xx, base + w - 1 - xx) }
            }
        }
        return out
    }

    /// (x − mean_c) / std_c per channel (axis 1).
    public static func normalize(_ batch: Tensor, mean: [Float], standardDeviation: [Float]) -> Tensor {
        precondition(
            batch.rank >= 2 && mean.count == batch.shape[1] && standardDeviation.count == batch.shape[1],
            "normalize needs one mean and one deviation per channel")
        let (n, c) = (batch.shape[0], batch.shape[1])
        let plane = batch.shape.dropFirst(2).reduce(1, *)
        var out = batch
        out.scalars.withUnsafeMutableBufferPointer { o in
            for image in 0..<n {
                for channel in 0..<c {
                    let (m, s) = (mean[channel], 1 / standardDeviation[channel])
                    let base = (image * c + channel) * plane
                    for i in 0..<plane { o[base + i] = (o[base + i] - m) * s }
                }
            }
        }
        return out
    }

    /// The sample indices of one epoch in shuffled mini-batches of `batchSize` (the last
    /// batch shorter unless `dropLast`).
    public static func shuffledBatches(
        count: Int, batchSize: Int, dropLast: Bool = false,
        generator: inout SeededGenerator
    ) -> [[Int]] {
        precondition(batchSize > 0, "batch size must be positive")
        let order = generator.permutation(count)
        var batches: [[Int]] = []
        var start = 0
        while start < count {
            let end = Swift.min(start + batchSize, count)
            if end - start < batchSize && dropLast { break }
            batches.append(Array(order[start..<end]))
            start = end
        }
        return batches
    }
}

extension Tensor {
    /// The rows (outermost-axis entries) at `indices`, in that order: a mini-batch from a
    /// dataset tensor.
    public func selecting(rows indices: [Int]) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = indices.count
        var out = [Float](repeating: 0, count: indices.count * rowSize)
        out.withUnsafeMutableBufferPointer { o in
            scalars.withUnsafeBufferPointer { x in
                for (i, row) in indices.enumerated() {
                    precondition(row >= 0 && row < shape[0], "row \(row) out of range 0..<\(shape[0])")
                    for k in 0..<rowSize { o[i * rowSize + k] = x[row * rowSize + k] }
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }
}

extension Augmentation {
    /// Every image of an NCHW batch of square images four times, rotated by k quarter
    /// turns (k = 0…3) counter-clockwise, as `torch.rot90(x, k, dims=(2, 3))`:
    /// out[i][j] = in[j][w−1−i] for k = 1. Rows are [image 0 at k = 0…3, image 1 …], the
    /// order of PASS / NAPA-VQ (`torch.stack([rot90(x, k) for k], 1).view(-1, …)`).
    public static func withQuarterTurns(_ batch: Tensor) -> Tensor {
        precondition(
            batch.rank == 4 && batch.shape[2] == batch.shape[3], "quarter turns need square images [n, c, h, h]")
        let (n, c, h) = (batch.shape[0], batch.shape[1], batch.shape[2])
        let plane = h * h, image = c * plane
        var out = Tensor(shape: [4 * n, c, h, h])
        out.scalars.withUnsafeMutableBufferPointer { o in
            batch.scalars.withUnsafeBufferPointer { x in
                for sample in 0..<n {
                    for k in 0..<4 {
                        let target = (4 &* sample &+ k) &* image
                        for channel in 0..<c {
                            let source = sample &* image &+ channel &* plane
                            let destination = target &+ channel &* plane
                            for i in 0..<h {
                                for j in 0..<h {
                                    // out[i][j] after k counter-clockwise quarter turns.
                                    let (si, sj): (Int, Int)
                                    switch k {
                                    case 0: (si, sj) = (i, j)
                                    case 1: (si, sj) = (j, h &- 1 &- i)
                                    case 2: (si, sj) = (h &- 1 &- i, h &- 1 &- j)
                                    default: (si, sj) = (h &- 1 &- j, i)
                                    }
                                    o[destination &+ i &* h &+ j] = x[source &+ si &* h &+ sj]
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
