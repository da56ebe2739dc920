import CConvolutionKernels
import Testing
@testable import CLTensor

/// The AVX2 + FMA direct 3×3 kernels (stride 1 and 2), called directly rather than through
/// `conv2d` (which picks AVX-512 on a CPU that has it), against naive loops. Scratch and
/// outputs start as NaN so that a kernel relying on their contents, or skipping a pixel, fails.
@Suite(.enabled(if: cl_conv3x3_avx2_is_available() == 1, "needs AVX2 and FMA"))
struct DirectConvolutionAVX2Tests {
    typealias Forward = (
        UnsafePointer<Float>?, Int32, Int32, Int32, UnsafePointer<Float>?, Int32,
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?
    ) -> Void
    typealias WeightGradient = (
        UnsafePointer<Float>?, UnsafePointer<Float>?, Int32, Int32, Int32, Int32, Int32,
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?
    ) -> Void

    /// Stride 1, (input shape [N, C, H, W], output channels): 3 input channels as in the first
    /// ResNet layer; 3 and 5 vectors per image (tiles of 3 plus 2-vector remainders); 8-pixel
    /// rows; 20 images of 8×8 and 7 of 5×16 whose dY copies (1024 pixels) end inside an image;
    /// 1280-pixel images split into two copies; 1040 columns, too long for the copy, read dY
    /// in place.
    static let stride1Cases: [([Int], Int)] = [
        ([2, 3, 5, 16], 8), ([1, 16, 3, 16], 16), ([2, 8, 4, 48], 8), ([3, 16, 2, 16], 24), ([1, 8, 1, 16], 8),
        ([2, 8, 2, 8], 16), ([20, 8, 8, 8], 8), ([7, 5, 5, 16], 16), ([2, 4, 40, 32], 8), ([3, 3, 2, 1040], 8),
    ]

    /// Stride 2: the first ResNet layer's 3 channels at 32×32; 8-pixel output rows; 6 and 10
    /// vectors per image (tiles of 3, a remainder of 4 as 2 + 2); a single output row; 20
    /// images of 16×16 whose dY copies (1024 pixels) end inside an image; 1040-pixel output
    /// rows, too long for the copy, read dY in place.
    static let stride2Cases: [([Int], Int)] = [
        ([2, 3, 32, 32], 16), ([3, 16, 16, 16], 8), ([2, 8, 12, 16], 24), ([2, 4, 10, 32], 8), ([1, 8, 2, 32], 8),
        ([3, 5, 6, 64], 16), ([20, 8, 16, 16], 8), ([2, 2, 2, 2080], 8),
    ]

    static let stride1Arguments = stride1Cases.map { (1, $0.0, $0.1) }
    static let stride2Arguments = stride2Cases.map { (2, $0.0, $0.1) }

    static func kernels(stride: Int) -> (Forward, WeightGradient) {
        stride == 2
            ? (cl_conv3x3s2_forward_avx2, cl_conv3x3s2_weight_gradient_avx2)
            : (cl_conv3x3_forward_avx2, cl_conv3x3_weight_gradient_avx2)
    }

    @Test(arguments: stride1Arguments + stride2Arguments)
    func forwardMatchesNaiveLoops(stride: Int, shape: [Int], outputs: Int) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let supports = stride == 2 ? cl_conv3x3s2_supports : cl_conv3x3_supports
        #expect(supports(Int32(c), Int32(h), Int32(w), Int32(outputs)) == 1)
        let x = randomTensor(shape, seed: 240), weights = randomTensor([outputs, c, 3, 3], seed: 241)
        let (oh, ow) = (h / stride, w / stride)
        var packed = [Float](repeating: 0, count: weights.count)
        var out = Tensor(shape: [n, outputs, oh, ow], repeating: .nan)
        var scratch = [Float](repeating: .nan, count: cl_conv3x3_padded_size(Int32(c), Int32(h), Int32(w)))
        weights.scalars.withUnsafeBufferPointer { wb in
            packed.withUnsafeMutableBufferPointer { pb in
                cl_conv3x3_pack_weights(wb.baseAddress!, Int32(outputs), Int32(c), 0, pb.baseAddress!)
            }
        }
        let forward = Self.kernels(stride: stride).0
        x.scalars.withUnsafeBufferPointer { xb in
            packed.withUnsafeBufferPointer { pb in
                out.scalars.withUnsafeMutableBufferPointer { ob in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        for image in 0..<n {
                            forward(
                                xb.baseAddress! + image * c * h * w, Int32(c), Int32(h), Int32(w), pb.baseAddress!,
                                Int32(outputs), ob.baseAddress! + image * outputs * oh * ow, sb.baseAddress!)
                        }
                    }
                }
            }
        }
        // expectClose skips NaN differences.
        #expect(out.scalars.allSatisfy { $0.isFinite })
        expectClose(out, naiveConvolution(x, weights, bias: nil, stride: stride, padding: 1), tolerance: 2e-5)
    }

    /// The batch goes in two calls (first image, then the rest), so the second call must add
    /// to the partial sums of the first.
    @Test(arguments: stride1Arguments + stride2Arguments)
    func weightGradientMatchesNaiveLoops(stride: Int, shape: [Int], outputs: Int) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let outPixels = (h / stride) * (w / stride)
        let x = randomTensor(shape, seed: 242), dy = randomTensor([n, outputs, h / stride, w / stride], seed: 243)
        let weightCount = outputs * c * 9
        var partials = [Float](repeating: 0, count: weightCount * 16)
        var scratch = [Float](repeating: .nan, count: n * cl_conv3x3_padded_size(Int32(c), Int32(h), Int32(w)))
        let weightGradient = Self.kernels(stride: stride).1
        x.scalars.withUnsafeBufferPointer { xb in
            dy.scalars.withUnsafeBufferPointer { gb in
                partials.withUnsafeMutableBufferPointer { pb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        for (first, count) in [(0, 1), (1, n - 1)] where count > 0 {
                            weightGradient(
                                xb.baseAddress! + first * c * h * w, gb.baseAddress! + first * outputs * outPixels,
                                Int32(count), Int32(c), Int32(h), Int32(w), Int32(outputs),
                                pb.baseAddress!, sb.baseAddress!)
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
        // Sums over up to 2080 pixels × 20 images: compare relative to the largest entry.
        let reference = naiveConvolutionGradients(x, Tensor(shape: dw.shape), dy, stride: stride).dw
        let scale = Swift.max(1, reference.scalars.map { Swift.abs($0) }.max() ?? 0)
        expectClose(
            Tensor(shape: dw.shape, scalars: dw.scalars.map { $0 / scale }),
            Tensor(shape: reference.shape, scalars: reference.scalars.map { $0 / scale }), tolerance: 2e-5)
    }
}
