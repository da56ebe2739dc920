/// 2-D convolution (cross-correlation, as in PyTorch) over NCHW input with weights
/// [out, in, kh, kw], by im2col and one GEMM per image.
///
/// Why per image: the GEMM then writes straight into the image's [out, oh·ow] block of the
/// NCHW result, with no transposition, and the column buffer (in·kh·kw × oh·ow) is
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
    func imageToColumnsShifted(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                               bordersAreZero: Bool = false) {
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
                    if !bordersAreZero { (line + copy.upperBound).update(repeating: 0, count: planeSize &- copy.upperBound) }
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
    func imageToColumns(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                        bordersAreZero: Bool = false) {
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
                            (line + valid.lowerBound).update(from: source + (valid.lowerBound &+ offset), count: valid.count)
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

/// What is applied to each image's convolution output right after it is computed, while
/// it is still in cache: out = act(out + bias[o] + residual), `act` ReLU or identity.
/// Saves the separate passes over memory that a bias add, batch norm in inference or a
/// residual add would make.
struct ConvolutionEpilogue {
    /// Per output channel, or empty.
    var bias: [Float] = []
    /// Same shape as the output, or nil.
    var residual: Tensor?
    var relu = false

    var isEmpty: Bool { bias.isEmpty && residual == nil && !relu }

    /// Applies the epilogue to one image's output [channels, pixels]; `residual` points at
    /// the same image's residual.
    @inline(__always)
    func apply(_ out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, channels: Int, pixels: Int,
               bias: UnsafePointer<Float>?) {
        for o in 0..<channels {
            let line = out + o &* pixels, b = bias?[o] ?? 0
            if let residual {
                let r = residual + o &* pixels
                if relu {
                    for p in 0..<pixels { let v = line[p] + b + r[p]; line[p] = v > 0 ? v : 0 }
                } else {
                    for p in 0..<pixels { line[p] += b + r[p] }
                }
            } else if relu {
                for p in 0..<pixels { let v = line[p] + b; line[p] = v > 0 ? v : 0 }
            } else {
                for p in 0..<pixels { line[p] += b }
            }
        }
    }
}

/// The forward convolution of a batch, [n, o, oh, ow] flattened, with an optional epilogue.
/// Chooses per layer: direct 3×3 kernels where they apply, Winograd when switched on,
/// otherwise im2col + one GEMM per image.
func convolutionForward(_ x: Tensor, weights w: Tensor, geometry: ConvolutionGeometry,
                        epilogue: ConvolutionEpilogue = ConvolutionEpilogue()) -> [Float] {
    let (n, outChannels) = (x.shape[0], w.shape[0])
    let imageSize = geometry.channels * geometry.height * geometry.width
    let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
    var out = uninitializedScalars(n * outChannels * pixels)
    let columnSize = geometry.isPointwise ? 0 : patch * pixels
    let winograd = WinogradConvolution.applies(to: geometry) && Winograd.isEnabled
        ? WinogradConvolution(channels: geometry.channels, outputs: outChannels, height: geometry.height, width: geometry.width)
        : nil
    let directKernels = winograd == nil ? DirectConvolution.kernels(for: geometry, outputs: outChannels) : nil
    let direct = directKernels != nil
    let packed = direct
        ? DirectConvolution.packWeights(w.scalars, outputs: outChannels, channels: geometry.channels, adjoint: false) : []
    let transformed = winograd.map { winograd in w.scalars.withUnsafeBufferPointer { winograd.transformWeights($0.baseAddress!) } } ?? []
    let scratchSize = winograd?.scratchSize
        ?? (direct ? DirectConvolution.scratchSize(channels: geometry.channels, geometry: geometry) : columnSize)
    // Zeroed once: same-size stride-1 im2col then only rewrites the interior.
    var scratch = [Float](repeating: 0, count: scratchSize * Parallel.workerCount)
    let residual = epilogue.residual?.scalars ?? []
    x.scalars.withUnsafeBufferPointer { xb in
        w.scalars.withUnsafeBufferPointer { wb in
            out.withUnsafeMutableBufferPointer { ob in
                packed.withUnsafeBufferPointer { pb in
                    transformed.withUnsafeBufferPointer { tb in
                        scratch.withUnsafeMutableBufferPointer { sb in
                            residual.withUnsafeBufferPointer { rb in
                                epilogue.bias.withUnsafeBufferPointer { bb in
                                    let (xp, wp, op, sp) = (xb.baseAddress!, wb.baseAddress!, ob.baseAddress!, sb.baseAddress)
                                    Parallel.forEachBlock(of: n) { worker, images in
                                        let buffer = sp.map { $0 + worker * scratchSize }
                                        if let winograd {
                                            winograd.run(input: xp, output: op, images: images, transformedWeights: tb.baseAddress!,
                                                         scratch: buffer!)
                                        }
                                        for image in images {
                                            let source = xp + image * imageSize, target = op + image * outChannels * pixels
                                            if direct {
                                                DirectConvolution.forward(directKernels!, image: source, channels: geometry.channels,
                                                                          geometry: geometry, packed: pb.baseAddress!,
                                                                          outputs: outChannels, out: target, scratch: buffer!)
                                            } else if winograd == nil {
                                                let matrix = geometry.columnMatrix(of: source, buffer: buffer)
                                                sgemm(transposeA: false, transposeB: false, m: outChannels, n: pixels, k: patch,
                                                      a: wp, lda: patch, b: matrix, ldb: pixels, c: target, ldc: pixels)
                                            }
                                            if !epilogue.isEmpty {
                                                // An empty array's buffer may still have a base address.
                                                let residualImage = residual.isEmpty ? nil : rb.baseAddress! + image * outChannels * pixels
                                                epilogue.apply(target, residual: residualImage, channels: outChannels, pixels: pixels,
                                                               bias: epilogue.bias.isEmpty ? nil : bb.baseAddress!)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// Convolution with weights supplied as variables (so they may come from another network).
public func conv2d(_ input: Variable, weight: Variable, bias: Variable? = nil,
                   stride: Int = 1, padding: Int = 0) -> Variable {
    precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
                 "conv2d needs input [n, c, h, w] and weight [o, c, kh, kw], got \(input.shape) and \(weight.shape)")
    let (n, outChannels) = (input.shape[0], weight.shape[0])
    let geometry = ConvolutionGeometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                                       kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                                       stride: stride, padding: padding)
    precondition(geometry.outputHeight > 0 && geometry.outputWidth > 0, "conv2d: kernel larger than padded input")
    if let bias { precondition(bias.shape == [outChannels], "conv2d bias must be [\(outChannels)]") }
    let (x, w) = (input.value, weight.value)
    let imageSize = geometry.channels * geometry.height * geometry.width
    let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
    let out = convolutionForward(x, weights: w, geometry: geometry,
                                 epilogue: ConvolutionEpilogue(bias: bias?.value.scalars ?? []))
    let outShape = [n, outChannels, geometry.outputHeight, geometry.outputWidth]
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    return .result(Tensor(shape: outShape, scalars: out), parents) { g in
        let workers = Parallel.workerCount
        let (needInput, needWeight) = (input.requiresGrad, weight.requiresGrad)
        // Each worker zeroes its own images' gradient just before accumulating into it.
        var dx = uninitializedScalars(needInput ? x.count : 0)
        // Per-layer layout choice for the weight gradient: with few output channels the GEMM
        // dY · colsᵀ has only 16 or 32 rows, which OpenBLAS runs at about half speed when
        // accumulating (16×144×1024: 42 GFLOP/s on one core); computing the transpose
        // cols · dYᵀ instead (144×16×1024: 83 GFLOP/s) and transposing the small result is
        // faster. With 64 outputs the direct form wins (64×576×64: 84 vs 71 GFLOP/s).
        let weightGradientTransposed = outChannels <= 32
        // For a same-size stride-1 convolution with an odd kernel, the input gradient is
        // itself such a convolution of dY with the kernel flipped and in/out swapped. That
        // GEMM writes dX directly, replacing "GEMM into columns, zero dX, scatter-add" by
        // "shifted copies, GEMM" (measured: about 5% of a ResNet-20 step).
        let kernel = geometry.kernelHeight
        let transposedByFlip = needInput && geometry.isSameSizeStrideOne && kernel == geometry.kernelWidth
            && kernel % 2 == 1 && 2 * geometry.padding == kernel - 1
        let transposed = ConvolutionGeometry(channels: outChannels, height: geometry.height, width: geometry.width,
                                             kernelHeight: kernel, kernelWidth: kernel, stride: 1, padding: geometry.padding)
        // When the flipped convolution qualifies, Winograd computes dX in its own pass.
        let winogradInput = transposedByFlip && WinogradConvolution.applies(to: transposed) && Winograd.isEnabled
            ? WinogradConvolution(channels: outChannels, outputs: geometry.channels, height: geometry.height, width: geometry.width)
            : nil
        let inputByLoop = needInput && winogradInput == nil
        // Direct kernels (see `DirectConvolution`) for the weight gradient and for the input
        // gradient, which is the same-size convolution of dY with the adjoint kernels.
        let weightKernels = needWeight ? DirectConvolution.kernels(for: geometry, outputs: outChannels) : nil
        let inputKernels = inputByLoop && transposedByFlip
            ? DirectConvolution.kernels(for: transposed, outputs: geometry.channels) : nil
        let (directWeight, directInput) = (weightKernels != nil, inputKernels != nil)
        // One weight-gradient partial sum per worker, added in worker order afterwards.
        var dwPartials = [Float](repeating: 0, count: needWeight && !directWeight ? w.count * workers : 0)
        let flipsWeights = transposedByFlip && !directInput
        var flipped = uninitializedScalars(flipsWeights ? w.count : 0)
        if flipsWeights {
            let (channels, area) = (geometry.channels, kernel * kernel)
            for o in 0..<outChannels {
                for c in 0..<channels {
                    for k in 0..<area { flipped[(c * outChannels + o) * area + k] = w.scalars[(o * channels + c) * area + area - 1 - k] }
                }
            }
        }
        if let winogradInput {
            let transformed = flipped.withUnsafeBufferPointer { winogradInput.transformWeights($0.baseAddress!) }
            var scratch = uninitializedScalars(winogradInput.scratchSize * workers)
            g.scalars.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    transformed.withUnsafeBufferPointer { ub in
                        scratch.withUnsafeMutableBufferPointer { sb in
                            let (gp, dp, up, sp) = (gb.baseAddress!, db.baseAddress!, ub.baseAddress!, sb.baseAddress!)
                            Parallel.forEachBlock(of: n) { worker, images in
                                winogradInput.run(input: gp, output: dp, images: images, transformedWeights: up,
                                                  scratch: sp + worker * winogradInput.scratchSize)
                            }
                        }
                    }
                }
            }
        }
        let adjointPacked = directInput
            ? DirectConvolution.packWeights(w.scalars, outputs: outChannels, channels: geometry.channels, adjoint: true)
            : []
        let weightChunk = DirectConvolution.imagesPerWeightCall(geometry)
        let directScratchSize = Swift.max(
            directWeight ? weightChunk * DirectConvolution.scratchSize(channels: geometry.channels, geometry: geometry) : 0,
            directInput ? DirectConvolution.scratchSize(channels: outChannels, geometry: geometry) : 0)
        var directScratch = uninitializedScalars(directScratchSize * workers)
        let partialSize = directWeight ? w.count * DirectConvolution.partialLanes : 0
        // Zeroed by each worker in the parallel region (several MB for 64-channel layers).
        var directPartials = uninitializedScalars(partialSize * workers)
        let columnSize = geometry.isPointwise || (directInput || !inputByLoop) && (directWeight || !needWeight)
            ? 0 : Swift.max(patch, transposedByFlip ? transposed.patchSize : 0) * pixels
        // Zeroed once: shared by the im2col of x (weight gradient) and of dY (input
        // gradient), whose rows have the same zero borders.
        var columns = [Float](repeating: 0, count: columnSize * workers)
        adjointPacked.withUnsafeBufferPointer { adjointBuffer in
        directScratch.withUnsafeMutableBufferPointer { directScratchBuffer in
        directPartials.withUnsafeMutableBufferPointer { directPartialsBuffer in
        let (adjointWeights, scratchBase, partialsBase) = (adjointBuffer.baseAddress, directScratchBuffer.baseAddress,
                                                           directPartialsBuffer.baseAddress)
        flipped.withUnsafeBufferPointer { flippedBuffer in
        let flippedWeights = flippedBuffer.baseAddress
        g.scalars.withUnsafeBufferPointer { gb in
            x.scalars.withUnsafeBufferPointer { xb in
                w.scalars.withUnsafeBufferPointer { wb in
                    columns.withUnsafeMutableBufferPointer { cb in
                        dx.withUnsafeMutableBufferPointer { dxb in
                            dwPartials.withUnsafeMutableBufferPointer { dwb in
                                let (gp, xp, wp, cp, dxp, dwp) = (gb.baseAddress!, xb.baseAddress!, wb.baseAddress!,
                                                                  cb.baseAddress, dxb.baseAddress, dwb.baseAddress)
                                Parallel.forEachBlock(of: n) { worker, images in
                                    let buffer = cp.map { $0 + worker * columnSize }
                                    let scratch = scratchBase.map { $0 + worker * directScratchSize }
                                    if directWeight {
                                        (partialsBase! + worker * partialSize).update(repeating: 0, count: partialSize)
                                        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: weightChunk) {
                                            DirectConvolution.accumulateWeightGradient(
                                                weightKernels!, images: xp + first * imageSize, outputGradients: gp + first * outChannels * pixels,
                                                count: Swift.min(weightChunk, images.upperBound - first), geometry: geometry,
                                                outputs: outChannels, partials: partialsBase! + worker * partialSize,
                                                scratch: scratch!)
                                        }
                                    }
                                    for image in images {
                                        let gradient = gp + image * outChannels * pixels
                                        if needWeight && !directWeight {
                                            let matrix = geometry.columnMatrix(of: xp + image * imageSize, buffer: buffer)
                                            if weightGradientTransposed {
                                                // dWᵀ += cols · dYᵀ
                                                sgemm(transposeA: false, transposeB: true, m: patch, n: outChannels, k: pixels,
                                                      a: matrix, lda: pixels, b: gradient, ldb: pixels,
                                                      beta: 1, c: dwp! + worker * w.count, ldc: outChannels)
                                            } else {
                                                // dW += dY · colsᵀ
                                                sgemm(transposeA: false, transposeB: true, m: outChannels, n: patch, k: pixels,
                                                      a: gradient, lda: pixels, b: matrix, ldb: pixels,
                                                      beta: 1, c: dwp! + worker * w.count, ldc: patch)
                                            }
                                        }
                                        if inputByLoop {
                                            let target = dxp! + image * imageSize
                                            if directInput {
                                                DirectConvolution.forward(inputKernels!, image: gradient, channels: outChannels,
                                                                          geometry: transposed, packed: adjointWeights!,
                                                                          outputs: geometry.channels, out: target,
                                                                          scratch: scratch!)
                                            } else if geometry.isPointwise {
                                                sgemm(transposeA: true, transposeB: false, m: patch, n: pixels, k: outChannels,
                                                      a: wp, lda: patch, b: gradient, ldb: pixels, c: target, ldc: pixels)
                                            } else if transposedByFlip {
                                                transposed.imageToColumnsShifted(gradient, buffer!, bordersAreZero: true)
                                                sgemm(transposeA: false, transposeB: false, m: geometry.channels, n: pixels,
                                                      k: transposed.patchSize, a: flippedWeights!, lda: transposed.patchSize,
                                                      b: buffer!, ldb: pixels, c: target, ldc: pixels)
                                            } else {
                                                // dcols = Wᵀ · dY, then scattered back into the image.
                                                target.update(repeating: 0, count: imageSize)
                                                sgemm(transposeA: true, transposeB: false, m: patch, n: pixels, k: outChannels,
                                                      a: wp, lda: patch, b: gradient, ldb: pixels, c: buffer!, ldc: pixels)
                                                geometry.addColumnsToImage(buffer!, target)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
        var dw = [Float](repeating: 0, count: needWeight ? w.count : 0)
        if directWeight {
            directPartials.withUnsafeBufferPointer { pb in
                dw.withUnsafeMutableBufferPointer { db in
                    let (pp, dp) = (pb.baseAddress!, db.baseAddress!)
                    // Split over weights; each weight still adds the workers' sums in worker order.
                    // Only workers that had images zeroed and filled their partials.
                    let active = Swift.min(workers, n)
                    Parallel.forEachRange(of: w.count, minimumPerWorker: 1024) { range in
                        for worker in 0..<active {
                            DirectConvolution.reducePartials(pp + (worker * w.count + range.lowerBound) * DirectConvolution.partialLanes,
                                                             count: range.count, into: dp + range.lowerBound)
                        }
                    }
                }
            }
        } else if needWeight {
            for worker in 0..<workers {
                let partial = worker * w.count
                if weightGradientTransposed {
                    for k in 0..<patch {
                        for o in 0..<outChannels { dw[o * patch + k] += dwPartials[partial + k * outChannels + o] }
                    }
                } else {
                    for i in 0..<w.count { dw[i] += dwPartials[partial + i] }
                }
            }
        }
        if needInput { input.accumulate(Tensor(shape: x.shape, scalars: dx)) }
        if weight.requiresGrad { weight.accumulate(Tensor(shape: w.shape, scalars: dw)) }
        if let bias, bias.requiresGrad {
            var db = [Float](repeating: 0, count: outChannels)
            for image in 0..<n {
                for o in 0..<outChannels {
                    let base = (image * outChannels + o) * pixels
                    var total: Float = 0
                    for p in 0..<pixels { total += g.scalars[base + p] }
                    db[o] += total
                }
            }
            bias.accumulate(Tensor(shape: [outChannels], scalars: db))
        }
    }
}

/// Switch for Winograd F(2×2, 3×3) convolutions (see `WinogradConvolution`), off by default.
///
/// Measured on the ResNet-20 training step (batch 128, one worker, AMD EPYC, OpenBLAS
/// Haswell kernels, CPU ms per step, best of 3): im2col + GEMM 531–541; Winograd for the
/// forward pass and the input gradient 563–568 (chunks of 512 tiles) and 572–583 (256).
/// The GEMM time fell by ~70 ms as expected, but the transforms cost ~175 ms: their data
/// (16 transformed values per 2×2 outputs, in and out) is as large as im2col's 9× copy,
/// and with only 16–64 channels the GEMMs are too thin to hide it. Kept, tested, for
/// wider layers; `cl-bench-benchmarks training --winograd` measures it.
public enum Winograd {
    nonisolated(unsafe) public static var isEnabled = false
}
