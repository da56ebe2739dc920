import CConvolutionKernels
import Testing
@testable import CLTensor

/// The AVX2 + FMA stride-2 direct 3×3 kernels, called directly, against naive loops. Scratch
/// and outputs start as NaN so that a kernel relying on their contents, or skipping a pixel,
/// fails.
@Suite(.enabled(if: cl_conv3x3_avx2_is_available() == 1, "needs AVX2 and FMA"))
struct DirectConvolutionStride2AVX2Tests {
    /// (input shape [N, C, H, W], output channels): the first ResNet layer's 3 channels at
    /// 32×32; 8-pixel output rows; 6 and 10 vectors per image (tiles of 3, a remainder of 4
    /// as 2 + 2); a single output row; 20 images of 16×16 whose dY copies (1024 pixels) end
    /// inside an image; 1040-pixel output rows, too long for the copy, read dY in place.
    static let cases: [([Int], Int)] = [
        ([2, 3, 32, 32], 16), ([3, 16, 16, 16], 8), ([2, 8, 12, 16], 24), ([2, 4, 10, 32], 8), ([1, 8, 2, 32], 8),
        ([3, 5, 6, 64], 16), ([20, 8, 16, 16], 8), ([2, 2, 2, 2080], 8),
    ]

    /// dW[o][c][ki][kj] = Σ over images and output pixels of dY[o][p] · x[c][2p + (ki − 1, kj − 1)].
    static func naiveWeightGradient(_ x: Tensor, _ dy: Tensor) -> Tensor {
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, oh, ow) = (dy.shape[1], dy.shape[2], dy.shape[3])
        var dw = Tensor(shape: [o, c, 3, 3])
        for b in 0..<n { for f in 0..<o { for ch in 0..<c { for ki in 0..<3 { for kj in 0..<3 {
            var total: Float = 0
            for y in 0..<oh { for xx in 0..<ow {
                let (iy, ix) = (2 * y + ki - 1, 2 * xx + kj - 1)
                guard iy >= 0 && iy < h && ix >= 0 && ix < width else { continue }
                total += dy.scalars[((b * o + f) * oh + y) * ow + xx] * x.scalars[((b * c + ch) * h + iy) * width + ix]
            } }
            dw.scalars[((f * c + ch) * 3 + ki) * 3 + kj] += total
        } } } } }
        return dw
    }

    @Test(arguments: 0..<cases.count) func forwardMatchesNaiveLoops(caseIndex: Int) {
        let (shape, outputs) = Self.cases[caseIndex]
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        #expect(cl_conv3x3s2_supports(Int32(c), Int32(h), Int32(w), Int32(outputs)) == 1)
        let x = randomTensor(shape, seed: 250), weights = randomTensor([outputs, c, 3, 3], seed: 251)
        let outPixels = (h / 2) * (w / 2)
        var packed = [Float](repeating: 0, count: weights.count)
        var out = Tensor(shape: [n, outputs, h / 2, w / 2], repeating: .nan)
        var scratch = [Float](repeating: .nan, count: cl_conv3x3_padded_size(Int32(c), Int32(h), Int32(w)))
        weights.scalars.withUnsafeBufferPointer { wb in
            packed.withUnsafeMutableBufferPointer { pb in
                cl_conv3x3_pack_weights(wb.baseAddress!, Int32(outputs), Int32(c), 0, pb.baseAddress!)
            }
        }
        x.scalars.withUnsafeBufferPointer { xb in
            packed.withUnsafeBufferPointer { pb in
                out.scalars.withUnsafeMutableBufferPointer { ob in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        for image in 0..<n {
                            cl_conv3x3s2_forward_avx2(xb.baseAddress! + image * c * h * w, Int32(c), Int32(h), Int32(w),
                                                      pb.baseAddress!, Int32(outputs),
                                                      ob.baseAddress! + image * outputs * outPixels, sb.baseAddress!)
                        }
                    }
                }
            }
        }
        // expectClose skips NaN differences.
        #expect(out.scalars.allSatisfy { $0.isFinite })
        expectClose(out, naiveConvolution(x, weights, bias: nil, stride: 2, padding: 1), tolerance: 2e-5)
    }

    /// The batch goes in two calls (first image, then the rest), so the second call must add
    /// to the partial sums of the first.
    @Test(arguments: 0..<cases.count) func weightGradientMatchesNaiveLoops(caseIndex: Int) {
        let (shape, outputs) = Self.cases[caseIndex]
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let outPixels = (h / 2) * (w / 2)
        let x = randomTensor(shape, seed: 252), dy = randomTensor([n, outputs, h / 2, w / 2], seed: 253)
        let weightCount = outputs * c * 9
        var partials = [Float](repeating: 0, count: weightCount * 16)
        var scratch = [Float](repeating: .nan, count: n * cl_conv3x3_padded_size(Int32(c), Int32(h), Int32(w)))
        x.scalars.withUnsafeBufferPointer { xb in
            dy.scalars.withUnsafeBufferPointer { gb in
                partials.withUnsafeMutableBufferPointer { pb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        for (first, count) in [(0, 1), (1, n - 1)] where count > 0 {
                            cl_conv3x3s2_weight_gradient_avx2(xb.baseAddress! + first * c * h * w,
                                                              gb.baseAddress! + first * outputs * outPixels,
                                                              Int32(count), Int32(c), Int32(h), Int32(w),
                                                              Int32(outputs), pb.baseAddress!, sb.baseAddress!)
                        }
                    }
                }
            }
        }
        var dw = Tensor(shape: [outputs, c, 3, 3])
        partials.withUnsafeBufferPointer { pb in
            dw.scalars.withUnsafeMutableBufferPointer { db in
                cl_conv3x3_reduce_partials(pb.baseAddress!, weightCount, db.baseAddress!)
            }
        }
        #expect(dw.scalars.allSatisfy { $0.isFinite })
        // Sums over up to 1280 pixels × 20 images: compare relative to the largest entry.
        let reference = Self.naiveWeightGradient(x, dy)
        let scale = Swift.max(1, reference.scalars.map { Swift.abs($0) }.max() ?? 0)
        expectClose(Tensor(shape: dw.shape, scalars: dw.scalars.map { $0 / scale }),
                    Tensor(shape: reference.shape, scalars: reference.scalars.map { $0 / scale }), tolerance: 2e-5)
    }
}
