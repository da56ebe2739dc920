import CLTensor

/// Per-channel standardisation of network inputs, (x − mean_c) / std_c.
///
/// Why fitted on data rather than hard-coded: the backbone does not know which dataset it
/// sees (CIFAR-10, a JPEG copy of it, Omniglot at 28×28, ...), and published per-dataset
/// constants would silently be wrong for any other input. So the statistics are measured
/// once, on the first training set the network is trained on (the base session or task 0),
/// and then frozen: later tasks, few-shot sessions and test inputs all go through the same
/// fixed affine map, so it can never leak information from later tasks. Before fitting it
/// is the identity (the runner's "before training" evaluation).
///
/// Channels are axis 1 of [n, C, H, W] batches; flat [n, d] inputs count as one channel.
public struct InputNormalization: Sendable, Equatable {
    public private(set) var mean: [Float]
    public private(set) var standardDeviation: [Float]
    public private(set) var isFitted: Bool

    /// The identity map for `channels` channels.
    public init(channels: Int) {
        mean = [Float](repeating: 0, count: channels)
        standardDeviation = [Float](repeating: 1, count: channels)
        isFitted = false
    }

    /// Restores fitted statistics (for example from a cached base session).
    public init(mean: [Float], standardDeviation: [Float]) {
        precondition(mean.count == standardDeviation.count)
        self.mean = mean
        self.standardDeviation = standardDeviation
        isFitted = true
    }

    /// Number of channels of `sampleShape` ([C, H, W] → C, [d] → 1).
    public static func channelCount(of sampleShape: [Int]) -> Int { sampleShape.count == 3 ? sampleShape[0] : 1 }

    /// Measures mean and standard deviation per channel over every sample of `data`
    /// (float64 sums, read in chunks so memory stays small); a constant channel gets
    /// deviation 1 so that it maps to 0 instead of dividing by zero.
    public mutating func fit(_ data: TrainingSet, chunk: Int = 1024) {
        let channels = mean.count
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        var perChannel = 0
        var start = 0
        while start < data.count {
            let end = min(start + chunk, data.count)
            let batch = data.inputs(at: Array(start..<end)).inputs
            let plane = batch.count / max(1, (end - start) * channels)
            perChannel += (end - start) * plane
            batch.scalars.withUnsafeBufferPointer { x in
                for image in 0..<(end - start) {
                    for channel in 0..<channels {
                        let base = (image &* channels &+ channel) &* plane
                        var s = 0.0, q = 0.0
                        for i in 0..<plane { let v = Double(x[base &+ i]); s += v; q += v * v }
                        sums[channel] += s
                        squares[channel] += q
                    }
                }
            }
            start = end
        }
        guard perChannel > 0 else { return }
        for channel in 0..<channels {
            let m = sums[channel] / Double(perChannel)
            let variance = max(0, squares[channel] / Double(perChannel) - m * m)
            mean[channel] = Float(m)
            standardDeviation[channel] = variance > 1e-12 ? Float(variance.squareRoot()) : 1
        }
        isFitted = true
    }

    /// The batch standardised (a copy; the identity before fitting).
    public func apply(_ batch: Tensor) -> Tensor {
        guard isFitted else { return batch }
        if batch.rank >= 3 { return Augmentation.normalize(batch, mean: mean, standardDeviation: standardDeviation) }
        var out = batch
        let (m, s) = (mean[0], 1 / standardDeviation[0])
        out.scalars.withUnsafeMutableBufferPointer { o in
            for i in 0..<o.count { o[i] = (o[i] - m) * s }
        }
        return out
    }
}
