import CConvolutionKernels
import Foundation

/// Direct 3×3 convolutions (stride 1 or 2, padding 1) that read a zero-padded copy of each image
/// instead of an im2col matrix, in register-blocked AVX-512 or AVX2 kernels
/// (`CConvolutionKernels`), chosen at run time.
///
/// Why: ResNet stage-1/2 layers have 16–32 channels, so im2col copies every input value nine
/// times and OpenBLAS then packs that copy again, for GEMMs only 16–32 rows tall. The
/// direct kernels do neither. Measured on one core (AMD EPYC, batch 128, 16 channels at
/// 32×32): forward 6.0 ms at 100 GFLOP/s against 17 ms for im2col + sgemm; weight
/// gradient 6.9 ms (88 GFLOP/s) against 19.7 ms. They need an image width divisible by 16
/// (or 8 with an even height; AVX-512 also W % 16 ≥ 12) and a multiple of 8 output
/// channels. Other layers keep im2col + sgemm.
public enum DirectConvolution {
    /// The vector instruction sets the kernels are written for.
    public enum InstructionSet: String, Sendable, CaseIterable {
        /// 16-lane kernels: stride 1 and 2.
        case avx512
        /// 8-lane kernels (AVX2 + FMA): stride 1 and 2 (not rows ending in a partial vector).
        case avx2

        /// This CPU can run the kernels.
        public var isAvailable: Bool {
            switch self {
            case .avx512: return cl_conv3x3_is_available() == 1
            case .avx2: return cl_conv3x3_avx2_is_available() == 1
            }
        }
    }

    /// The fastest kernels this CPU runs, nil where there are none (non-x86 CPUs, or x86
    /// without AVX2): then every convolution uses im2col + sgemm.
    public static let bestAvailable: InstructionSet? = InstructionSet.allCases.first { $0.isAvailable }

    /// The kernels used by convolutions started in this task; nil selects im2col + sgemm
    /// everywhere. Task-local, so that a test or benchmark comparing paths
    /// (`$instructionSet.withValue(.avx2) { ... }`) cannot switch another task's path.
    /// Defaults to `CL_BENCH_CONV_KERNELS` when that is set and valid, else the best available.
    @TaskLocal public static var instructionSet: InstructionSet? = environmentChoice

    /// `CL_BENCH_CONV_KERNELS`, or the best available when it is invalid (the command line
    /// reports that as an error before anything runs). "im2col" is nil, not a fallback.
    static let environmentChoice: InstructionSet? = {
        do { return try configured(environment: ProcessInfo.processInfo.environment) } catch { return bestAvailable }
    }()

    /// Name of the environment variable that chooses the kernels: the paths round floats
    /// differently, so reproducing a run bit for bit on another CPU needs the same choice.
    public static let environmentVariable = "CL_BENCH_CONV_KERNELS"

    /// The choice `CL_BENCH_CONV_KERNELS` asks for: `avx512`, `avx2`, `im2col` (nil), or
    /// unset / `auto` for the best available. Throws a message naming the variable when the
    /// value is unknown or this CPU cannot run those kernels.
    public static func configured(environment: [String: String]) throws -> InstructionSet? {
        guard let value = environment[environmentVariable], !value.isEmpty, value != "auto" else {
            return bestAvailable
        }
        if value == "im2col" { return nil }
        guard let choice = InstructionSet(rawValue: value) else {
            throw KernelChoiceError(message: "\(environmentVariable)=\(value) is not one of auto, avx512, avx2, im2col")
        }
        guard choice.isAvailable else {
            throw KernelChoiceError(
                message: "\(environmentVariable)=\(value): this CPU cannot run the \(value) kernels")
        }
        return choice
    }

    /// What a results file records as `conv_kernels`: the instruction set, or "im2col".
    public static var currentName: String { instructionSet?.rawValue ?? "im2col" }

    /// The kernels compute the convolution `geometry` with `outputs` output channels.
    /// The kernels to use for the convolution `geometry` with `outputs` output channels, or
    /// nil when none applies. Decided on the calling thread (task-local choice), before any
    /// parallel region.
    static func kernels(for geometry: ConvolutionGeometry, outputs: Int) -> InstructionSet? {
        guard let instructionSet, geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.padding == 1
        else {
            return nil
        }
        let (c, h, w, o) = (Int32(geometry.channels), Int32(geometry.height), Int32(geometry.width), Int32(outputs))
        switch geometry.stride {
        case 1:
            // AVX-512 also takes rows that end in a partial vector (masked stores).
            let fits =
                instructionSet == .avx512 ? cl_conv3x3_avx512_supports(c, h, w, o) : cl_conv3x3_supports(c, h, w, o)
            return fits == 1 ? instructionSet : nil
        case 2: return cl_conv3x3s2_supports(c, h, w, o) == 1 ? instructionSet : nil
        default: return nil
        }
    }

    /// Floats of padded-image scratch one worker needs for `channels` planes.
    static func scratchSize(channels: Int, geometry: ConvolutionGeometry) -> Int {
        cl_conv3x3_padded_size(Int32(channels), Int32(geometry.height), Int32(geometry.width))
    }

    /// Weights [O, C, 3, 3] packed for the forward kernel, or (`adjoint`) for the input
    /// gradient, which is the convolution of dY with the kernels rotated by 180° and the
    /// channel roles swapped.
    static func packWeights(_ weights: [Float], outputs: Int, channels: Int, adjoint: Bool) -> [Float] {
        var packed = [Float](repeating: 0, count: weights.count)
        weights.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { p in
                cl_conv3x3_pack_weights(
                    w.baseAddress!, Int32(outputs), Int32(channels), adjoint ? 1 : 0, p.baseAddress!)
            }
        }
        return packed
    }

    /// out [O, H, W] = conv(image [C, H, W]) with packed weights.
    @inline(__always)
    static func forward(
        _ kernels: InstructionSet, image: UnsafePointer<Float>, channels: Int,
        geometry: ConvolutionGeometry, packed: UnsafePointer<Float>, outputs: Int,
        out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        switch (kernels, geometry.stride) {
        case (.avx2, 2):
            cl_conv3x3s2_forward_avx2(
                image, Int32(channels), Int32(geometry.height), Int32(geometry.width),
                packed, Int32(outputs), out, scratch)
        case (.avx2, _):
            cl_conv3x3_forward_avx2(
                image, Int32(channels), Int32(geometry.height), Int32(geometry.width),
                packed, Int32(outputs), out, scratch)
        case (.avx512, 2):
            cl_conv3x3s2_forward(
                image, Int32(channels), Int32(geometry.height), Int32(geometry.width),
                packed, Int32(outputs), out, scratch)
        case (.avx512, _):
            cl_conv3x3_forward(
                image, Int32(channels), Int32(geometry.height), Int32(geometry.width),
                packed, Int32(outputs), out, scratch)
        }
    }

    /// Adds the weight gradient of `count` consecutive images to 16-lane partial sums
    /// [O, C, 9, 16]; `scratch` holds `count` padded images.
    @inline(__always)
    static func accumulateWeightGradient(
        _ kernels: InstructionSet, images: UnsafePointer<Float>,
        outputGradients: UnsafePointer<Float>, count: Int,
        geometry: ConvolutionGeometry, outputs: Int,
        partials: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (c, h, w) = (Int32(geometry.channels), Int32(geometry.height), Int32(geometry.width))
        switch (kernels, geometry.stride) {
        case (.avx2, 2):
            cl_conv3x3s2_weight_gradient_avx2(
                images, outputGradients, Int32(count), c, h, w, Int32(outputs), partials, scratch)
        case (.avx2, _):
            cl_conv3x3_weight_gradient_avx2(
                images, outputGradients, Int32(count), c, h, w, Int32(outputs), partials, scratch)
        case (.avx512, 2):
            cl_conv3x3s2_weight_gradient(
                images, outputGradients, Int32(count), c, h, w, Int32(outputs), partials, scratch)
        case (.avx512, _):
            cl_conv3x3_weight_gradient(
                images, outputGradients, Int32(count), c, h, w, Int32(outputs), partials, scratch)
        }
    }

    /// Images per weight-gradient call: about 1024 output pixels' worth, so that small
    /// images (8×8 in ResNet stage 3) share one update of the partial sums.
    static func imagesPerWeightCall(_ geometry: ConvolutionGeometry) -> Int {
        Swift.max(1, 1024 / geometry.outputPixels)
    }

    /// Lanes per partial sum of `accumulateWeightGradient`.
    static let partialLanes = 16

    /// gradient[i] += Σ lanes of partials[i].
    static func reducePartials(_ partials: UnsafePointer<Float>, count: Int, into gradient: UnsafeMutablePointer<Float>)
    {
        cl_conv3x3_reduce_partials(partials, count, gradient)
    }
}

/// An invalid `CL_BENCH_CONV_KERNELS`.
public struct KernelChoiceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
