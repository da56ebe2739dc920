/// A dense Float32 tensor, row-major (NCHW for images).
///
/// The scalars live in a Swift array, so copies are cheap (copy-on-write) and raw access
/// goes through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`. This is the
/// value type every module exchanges; differentiable computation is layered on top of it.
public struct Tensor: Equatable, Sendable {
    /// Extent of each axis, outermost first.
    public var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor with the given shape and elements. The element count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Total number of elements.
    public var count: Int { scalars.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Rows `range` of the outermost axis, as a new tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(
            shape: newShape,
            scalars: Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }
}

/// An array of `count` floats whose contents are unspecified, for kernels that overwrite
/// every element (a GEMM with beta = 0, a normalisation pass): skips zero-filling memory
/// that is about to be written anyway.
@inline(__always)
func uninitializedScalars(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
