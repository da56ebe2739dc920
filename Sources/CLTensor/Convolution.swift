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

    /// Copies the patches of one image [C, H, W] into columns [C·kh·kw, oh·ow] (zeros
    /// where the window hangs over the padding).
    func imageToColumns(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (outputHeight, outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* height &* width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let destination = columns + row &* oh &* ow
                    for oy in 0..<oh {
                        let y = oy &* stride &- padding &+ ki
                        let line = destination + oy &* ow
                        if y < 0 || y >= height {
                            for ox in 0..<ow { line[ox] = 0 }
                            continue
                        }
                        let source = plane + y &* width
                        if stride == 1 {
                            // Contiguous run: only the ends can fall into the padding.
                            let offset = kj &- padding
                            for ox in 0..<ow {
                                let x = ox &+ offset
                                line[ox] = (x >= 0 && x < width) ? source[x] : 0
                            }
                        } else {
                            for ox in 0..<ow {
                                let x = ox &* stride &- padding &+ kj
                                line[ox] = (x >= 0 && x < width) ? source[x] : 0
                            }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }

    /// Adds columns [C·kh·kw, oh·ow] back into an image gradient [C, H, W] (the adjoint of
    /// `imageToColumns`).
    func addColumnsToImage(_ columns: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (outputHeight, outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = image + c &* height &* width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    let source = columns + row &* oh &* ow
                    for oy in 0..<oh {
                        let y = oy &* stride &- padding &+ ki
                        if y < 0 || y >= height { continue }
                        let destination = plane + y &* width
                        let line = source + oy &* ow
                        for ox in 0..<ow {
                            let x = ox &* stride &- padding &+ kj
                            if x >= 0 && x < width { destination[x] += line[ox] }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }
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
    let (x, w) = (input.value, weight.value)
    let imageSize = geometry.channels * geometry.height * geometry.width
    let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
    var out = [Float](repeating: 0, count: n * outChannels * pixels)
    var columns = [Float](repeating: 0, count: geometry.isPointwise ? 0 : patch * pixels)
    x.scalars.withUnsafeBufferPointer { xb in
        w.scalars.withUnsafeBufferPointer { wb in
            out.withUnsafeMutableBufferPointer { ob in
                columns.withUnsafeMutableBufferPointer { cb in
                    for image in 0..<n {
                        let source = xb.baseAddress! + image * imageSize
                        let matrix: UnsafePointer<Float>
                        if geometry.isPointwise {
                            matrix = source
                        } else {
                            geometry.imageToColumns(source, cb.baseAddress!)
                            matrix = UnsafePointer(cb.baseAddress!)
                        }
                        sgemm(transposeA: false, transposeB: false, m: outChannels, n: pixels, k: patch,
                              a: wb.baseAddress!, lda: patch, b: matrix, ldb: pixels,
                              c: ob.baseAddress! + image * outChannels * pixels, ldc: pixels)
                    }
                }
            }
        }
    }
    if let bias {
        precondition(bias.shape == [outChannels], "conv2d bias must be [\(outChannels)]")
        for image in 0..<n {
            for o in 0..<outChannels {
                let b = bias.value.scalars[o], base = (image * outChannels + o) * pixels
                for p in 0..<pixels { out[base + p] += b }
            }
        }
    }
    let outShape = [n, outChannels, geometry.outputHeight, geometry.outputWidth]
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    return .result(Tensor(shape: outShape, scalars: out), parents) { g in
        var dx = [Float](repeating: 0, count: input.requiresGrad ? x.count : 0)
        var dw = [Float](repeating: 0, count: weight.requiresGrad ? w.count : 0)
        var columns = [Float](repeating: 0, count: geometry.isPointwise && !input.requiresGrad ? 0 : patch * pixels)
        g.scalars.withUnsafeBufferPointer { gb in
            x.scalars.withUnsafeBufferPointer { xb in
                w.scalars.withUnsafeBufferPointer { wb in
                    columns.withUnsafeMutableBufferPointer { cb in
                        dx.withUnsafeMutableBufferPointer { dxb in
                            dw.withUnsafeMutableBufferPointer { dwb in
                                for image in 0..<n {
                                    let gradient = gb.baseAddress! + image * outChannels * pixels
                                    if weight.requiresGrad {
                                        let source = xb.baseAddress! + image * imageSize
                                        let matrix: UnsafePointer<Float>
                                        if geometry.isPointwise {
                                            matrix = source
                                        } else {
                                            geometry.imageToColumns(source, cb.baseAddress!)
                                            matrix = UnsafePointer(cb.baseAddress!)
                                        }
                                        // dW += dY · colsᵀ
                                        sgemm(transposeA: false, transposeB: true, m: outChannels, n: patch, k: pixels,
                                              a: gradient, lda: pixels, b: matrix, ldb: pixels,
                                              beta: 1, c: dwb.baseAddress!, ldc: patch)
                                    }
                                    if input.requiresGrad {
                                        let target = dxb.baseAddress! + image * imageSize
                                        if geometry.isPointwise {
                                            sgemm(transposeA: true, transposeB: false, m: patch, n: pixels, k: outChannels,
                                                  a: wb.baseAddress!, lda: patch, b: gradient, ldb: pixels,
                                                  c: target, ldc: pixels)
                                        } else {
                                            // dcols = Wᵀ · dY, then scattered back into the image.
                                            sgemm(transposeA: true, transposeB: false, m: patch, n: pixels, k: outChannels,
                                                  a: wb.baseAddress!, lda: patch, b: gradient, ldb: pixels,
                                                  c: cb.baseAddress!, ldc: pixels)
                                            geometry.addColumnsToImage(UnsafePointer(cb.baseAddress!), target)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if input.requiresGrad { input.accumulate(Tensor(shape: x.shape, scalars: dx)) }
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
