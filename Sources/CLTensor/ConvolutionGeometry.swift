/// The shape of a 2-D convolution (cross-correlation, as in PyTorch) over NCHW input with
/// weights [out, in, kh, kw], and the im2col copies of its GEMM path.
///
/// Why one GEMM per image: it then writes straight into the image's [out, oh·ow] block of
/// the NCHW result, with no transposition, and the column buffer (in·kh·kw × oh·ow) is
/// allocated once per call and stays cache-sized. The pullback recomputes the columns
/// rather than keeping them from the forward pass, trading a cheap copy for the memory of
/// a whole batch of column buffers.
public struct ConvolutionGeometry: Equatable, Sendable {
    public var channels, height, width: Int
    public var kernelHeight, kernelWidth: Int
    public var stride, padding: Int

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the column matrix: in·kh·kw.
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: oh·ow.
    var outputPixels: Int { outputHeight * outputWidth }
    /// 1×1, stride 1, no padding: the image itself is the column matrix.
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// The output columns ox whose input column ox·stride − padding + kj lies inside the
    /// image: the window outside this range reads padding.
    @inline(__always)
    func validColumns(kernelColumn kj: Int) -> Range<Int> {
        let ow = outputWidth
        // x = ox·s − p + kj ≥ 0  ⇔  ox ≥ ceil((p − kj) / s)
        let low = padding - kj > 0 ? (padding - kj + stride - 1) / stride : 0
        // x ≤ W − 1  ⇔  ox ≤ floor((W − 1 + p − kj) / s)
        let limit = width - 1 + padding - kj
        let high = limit < 0 ? 0 : Swift.min(ow, limit / stride + 1)
        return Swift.min(low, high)..<high
    }

    /// Stride 1 with "same" output size (for example 3×3 with padding 1): each row of the
    /// column matrix is the whole input plane shifted by (ki − p, kj − p), so it can be
    /// filled by one long copy plus fixing the few positions that fall into the padding,
    /// instead of one short copy per output row.
    var isSameSizeStrideOne: Bool { stride == 1 && outputHeight == height && outputWidth == width }

    /// For kernel offset (ki, kj) of a same-size stride-1 convolution: the range of output
    /// positions whose input row is inside the image, the element shift from output to
    /// input position, and the sub-range for which the shifted index stays in the plane.
    @inline(__always)
    func shiftedRange(ki: Int, kj: Int) -> (rows: Range<Int>, shift: Int, copy: Range<Int>, dx: Int) {
        let (dy, dx) = (ki &- padding, kj &- padding)
        let planeSize = height &* width
        let low = Swift.max(0, -dy) &* width, high = Swift.min(height, height &- dy) &* width
        let shift = dy &* width &+ dx
        let start = Swift.max(low, -shift), end = Swift.max(start, Swift.min(high, planeSize &- shift))
        return (low..<high, shift, start..<end, dx)
    }

    /// Sets to zero, in one shifted column row, the positions whose input column lies in
    /// the padding (the first −dx or last dx of each valid row).
    @inline(__always)
    func zeroWrappedColumns(_ line: UnsafeMutablePointer<Float>, rows: Range<Int>, dx: Int) {
        if dx == 0 { return }
        // The common 3×3 case (|dx| = 1) stores one element per row directly: written as a
        // loop, the compiler turns it into one tiny `memset` call per row.
        if dx == -1 || dx == 1 {
            var position = rows.lowerBound &+ (dx < 0 ? 0 : width &- 1)
            while position < rows.upperBound {
                line[position] = 0
                position &+= width
            }
            return
        }
        var rowStart = rows.lowerBound
        while rowStart < rows.upperBound {
            if dx < 0 {
                for ox in 0..<(-dx) { line[rowStart &+ ox] = 0 }
            } else {
                for ox in (width &- dx)..<width { line[rowStart &+ ox] = 0 }
            }
            rowStart &+= width
        }
    }

    /// `bordersAreZero`: the caller guarantees that the positions outside each row's copy
    /// range are already zero (they are the same for every image, so a buffer zeroed once
    /// stays valid), which saves two tiny `memset` calls per row — measurable, because a
    /// ResNet-20 step makes about two million of them.
    func imageToColumnsShifted(
        _ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
        bordersAreZero: Bool = false
    ) {
        let planeSize = height &* width
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* planeSize
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let line = columns + row &* planeSize
                    let (rows, shift, copy, dx) = shiftedRange(ki: ki, kj: kj)
                    if !bordersAreZero { line.update(repeating: 0, count: copy.lowerBound) }
                    (line + copy.lowerBound).update(from: plane + (copy.lowerBound &+ shift), count: copy.count)
                    if !bordersAreZero {
                        (line + copy.upperBound).update(repeating: 0, count: planeSize &- copy.upperBound)
                    }
                    zeroWrappedColumns(line, rows: rows, dx: dx)
                    row &+= 1
                }
            }
        }
    }

    /// The adjoint of `imageToColumnsShifted`; clobbers the padding positions of `columns`.
    func addColumnsToImageShifted(_ columns: UnsafeMutablePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let planeSize = height &* width
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* planeSize
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let line = columns + row &* planeSize
                    let (rows, shift, copy, dx) = shiftedRange(ki: ki, kj: kj)
                    zeroWrappedColumns(line, rows: rows, dx: dx)
                    let target = plane + shift
                    for p in copy { target[p] += line[p] }
                    row &+= 1
                }
            }
        }
    }

    /// Copies the patches of one image [C, H, W] into columns [C·kh·kw, oh·ow] (zeros
    /// where the window hangs over the padding). The valid column range of each kernel
    /// column is computed once, so the inner loop is a branch-free (vectorisable) copy.
    func imageToColumns(
        _ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
        bordersAreZero: Bool = false
    ) {
        if isSameSizeStrideOne { imageToColumnsShifted(image, columns, bordersAreZero: bordersAreZero); return }
        let (oh, ow) = (outputHeight, outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* height &* width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: kj)
                    let destination = columns + row &* oh &* ow
                    let offset = kj &- padding
                    for oy in 0..<oh {
                        let y = oy &* stride &- padding &+ ki
                        let line = destination + oy &* ow
                        if y < 0 || y >= height {
                            line.update(repeating: 0, count: ow)
                            continue
                        }
                        let source = plane + y &* width
                        zeroFew(line, valid.lowerBound)
                        if stride == 1 {
                            (line + valid.lowerBound).update(
                                from: source + (valid.lowerBound &+ offset), count: valid.count)
                        } else {
                            for ox in valid { line[ox] = source[ox &* stride &+ offset] }
                        }
                        zeroFew(line + valid.upperBound, ow &- valid.upperBound)
                    }
                    row &+= 1
                }
            }
        }
    }

    /// The column matrix of one image for the GEMM: the image itself for a pointwise
    /// convolution, else its im2col copy in `buffer` (whose padding positions are zero).
    @inline(__always)
    func columnMatrix(of image: UnsafePointer<Float>, buffer: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        if isPointwise { return image }
        imageToColumns(image, buffer!, bordersAreZero: true)
        return UnsafePointer(buffer!)
    }

    /// Adds columns [C·kh·kw, oh·ow] back into an image gradient [C, H, W] (the adjoint of
    /// `imageToColumns`).
    func addColumnsToImage(_ columns: UnsafeMutablePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        if isSameSizeStrideOne { addColumnsToImageShifted(columns, image); return }
        let (oh, ow) = (outputHeight, outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* height &* width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: kj)
                    let source = columns + row &* oh &* ow
                    let offset = kj &- padding
                    for oy in 0..<oh {
                        let y = oy &* stride &- padding &+ ki
                        if y < 0 || y >= height { continue }
                        let destination = plane + y &* width
                        let line = source + oy &* ow
                        if stride == 1 {
                            for ox in valid { destination[ox &+ offset] += line[ox] }
                        } else {
                            for ox in valid { destination[ox &* stride &+ offset] += line[ox] }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }
}

/// Zeroes `count` floats; one or two (the padding of a 3×3 window) by plain stores, since
/// a zeroing loop is compiled into a `memset` call whose overhead dwarfs a short run.
@inline(__always)
func zeroFew(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
    switch count {
    case 0: return
    case 1: pointer[0] = 0
    case 2: pointer[0] = 0; pointer[1] = 0
    default: pointer.update(repeating: 0, count: count)
    }
}
