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
    func apply(
        _ out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, channels: Int, pixels: Int,
        bias: UnsafePointer<Float>?
    ) {
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
/// Chooses per layer: direct 3×3 kernels where they apply, otherwise im2col + one GEMM per image.
func convolutionForward(
    _ x: Tensor, weights w: Tensor, geometry: ConvolutionGeometry,
    epilogue: ConvolutionEpilogue = ConvolutionEpilogue()
) -> [Float] {
    let (n, outChannels) = (x.shape[0], w.shape[0])
    let imageSize = geometry.channels * geometry.height * geometry.width
    let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
    var out = uninitializedScalars(n * outChannels * pixels)
    let columnSize = geometry.isPointwise ? 0 : patch * pixels
    let directKernels = DirectConvolution.kernels(for: geometry, outputs: outChannels)
    let direct = directKernels != nil
    let packed =
        direct
        ? DirectConvolution.packWeights(w.scalars, outputs: outChannels, channels: geometry.channels, adjoint: false)
        : []
    let scratchSize =
        direct ? DirectConvolution.scratchSize(channels: geometry.channels, geometry: geometry) : columnSize
    // Zeroed once: same-size stride-1 im2col then only rewrites the interior.
    var scratch = [Float](repeating: 0, count: scratchSize * Parallel.workerCount)
    let residual = epilogue.residual?.scalars ?? []
    x.scalars.withUnsafeBufferPointer { xb in
        w.scalars.withUnsafeBufferPointer { wb in
            out.withUnsafeMutableBufferPointer { ob in
                packed.withUnsafeBufferPointer { pb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        residual.withUnsafeBufferPointer { rb in
                            epilogue.bias.withUnsafeBufferPointer { bb in
                                let (xp, wp, op, sp) = (
                                    xb.baseAddress!, wb.baseAddress!, ob.baseAddress!, sb.baseAddress
                                )
                                Parallel.forEachBlock(of: n) { worker, images in
                                    let buffer = sp.map { $0 + worker * scratchSize }
                                    for image in images {
                                        let source = xp + image * imageSize, target = op + image * outChannels * pixels
                                        if direct {
                                            DirectConvolution.forward(
                                                directKernels!, image: source, channels: geometry.channels,
                                                geometry: geometry, packed: pb.baseAddress!,
                                                outputs: outChannels, out: target, scratch: buffer!)
                                        } else {
                                            let matrix = geometry.columnMatrix(of: source, buffer: buffer)
                                            sgemm(
                                                transposeA: false, transposeB: false, m: outChannels, n: pixels,
                                                k: patch,
                                                a: wp, lda: patch, b: matrix, ldb: pixels, c: target, ldc: pixels)
                                        }
                                        if !epilogue.isEmpty {
                                            // An empty array's buffer may still have a base address.
                                            let residualImage =
                                                residual.isEmpty ? nil : rb.baseAddress! + image * outChannels * pixels
                                            epilogue.apply(
                                                target, residual: residualImage, channels: outChannels, pixels: pixels,
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
    return out
}
