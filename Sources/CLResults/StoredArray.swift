/// A float array with its shape, as a results file stores a learner's diagnostics and
/// weights: the writer and the reader take and give these rather than tensors, so the
/// results schema needs no tensor library (the runner converts, `CLRun`).
public struct StoredArray: Sendable, Equatable {
    /// Extent of each dimension; `scalars.count` is their product.
    public var shape: [Int]
    /// Row-major values.
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        self.shape = shape
        self.scalars = scalars
    }
}
