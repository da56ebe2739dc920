import Testing
@testable import CLTensor

/// The direct 3×3 kernels of every instruction set this CPU runs, reached through `conv2d`
/// on shapes they accept, against naive loops for the output and for both gradients of
/// L = Σ conv(x, w) ⊙ R.
@Suite(.enabled(if: DirectConvolution.bestAvailable != nil, "needs a CPU with AVX2 or AVX-512"))
struct DirectConvolutionTests {
    static let instructionSets = DirectConvolution.InstructionSet.allCases.filter(\.isAvailable)

    /// (input shape, output channels): widths divisible by 16, outputs by 8; odd vector
    /// counts (3 rows × 1 vector) exercise the duplicated last tile, 3 input channels the
    /// first ResNet layer, 48 columns three vectors per row; 8 columns split vectors over two
    /// rows, and 20 images of 8×8 take two weight-gradient calls of 16 and 4 images.
    static let cases: [([Int], Int)] = [
        ([2, 3, 5, 16], 8), ([1, 16, 3, 32], 16), ([2, 8, 4, 48], 8), ([3, 16, 2, 16], 24), ([1, 24, 1, 16], 8),
        ([2, 8, 2, 8], 16), ([20, 8, 8, 8], 8), ([1, 16, 6, 8], 8),
    ]

    /// Stride 2 (the ResNet down-sampling layers): output widths 16 and 32 (one or two
    /// vectors per row) and 8 (two rows per vector), odd vector counts, 20 images of 16×16
    /// in calls of 16 and 4.
    static let stride2Cases: [([Int], Int)] = [
        ([2, 3, 2, 32], 8), ([1, 16, 6, 64], 16), ([2, 8, 4, 16], 8), ([20, 16, 16, 16], 8), ([1, 8, 12, 16], 16),
    ]

    /// Rows ending in a partial vector (AVX-512 only; AVX2 leaves them to im2col): Conv-4's
    /// 28 and 14 on 28×28 inputs, 12, and 44 (two whole vectors and a partial one).
    static let partialRowCases: [([Int], Int)] = [
        ([2, 3, 3, 28], 8), ([1, 16, 5, 14], 16), ([2, 8, 2, 12], 8), ([1, 8, 3, 44], 8), ([20, 8, 4, 14], 8),
    ]

    @Test(arguments: instructionSets, 0..<partialRowCases.count)
    func partialRowsMatchNaiveLoops(instructionSet: DirectConvolution.InstructionSet, caseIndex: Int) {
        let (shape, outputs) = Self.partialRowCases[caseIndex]
        DirectConvolution.$instructionSet.withValue(instructionSet) {
            Self.check(shape: shape, outputs: outputs, stride: 1, expected: instructionSet == .avx512 ? .avx512 : nil)
        }
    }

    @Test(arguments: instructionSets, 0..<cases.count)
    func forwardAndGradientsMatchNaiveLoops(instructionSet: DirectConvolution.InstructionSet, caseIndex: Int) {
        let (shape, outputs) = Self.cases[caseIndex]
        DirectConvolution.$instructionSet.withValue(instructionSet) {
            Self.check(shape: shape, outputs: outputs, stride: 1, expected: instructionSet)
        }
    }

    @Test(arguments: instructionSets, 0..<stride2Cases.count)
    func stride2MatchesNaiveLoops(instructionSet: DirectConvolution.InstructionSet, caseIndex: Int) {
        let (shape, outputs) = Self.stride2Cases[caseIndex]
        DirectConvolution.$instructionSet.withValue(instructionSet) {
            Self.check(shape: shape, outputs: outputs, stride: 2, expected: instructionSet)
        }
    }

    static func check(
        shape: [Int], outputs: Int, stride: Int, expected: DirectConvolution.InstructionSet?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let geometry = ConvolutionGeometry(
            channels: shape[1], height: shape[2], width: shape[3],
            kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
        #expect(DirectConvolution.kernels(for: geometry, outputs: outputs) == expected, sourceLocation: sourceLocation)
        let x = randomTensor(shape, seed: 140), w = randomTensor([outputs, shape[1], 3, 3], seed: 141)
        let (xv, wv) = (Variable(x, requiresGrad: true), Variable(w, requiresGrad: true))
        let out = conv2d(xv, weight: wv, stride: stride, padding: 1)
        expectClose(
            out.value, naiveConvolution(x, w, bias: nil, stride: stride, padding: 1), tolerance: 2e-5,
            sourceLocation: sourceLocation)
        let r = randomTensor(out.shape, seed: 142)
        out.backward(seed: r)
        let (dx, dw) = naiveConvolutionGradients(x, w, r, stride: stride)
        expectClose(xv.grad ?? Tensor(shape: x.shape), dx, tolerance: 2e-5, sourceLocation: sourceLocation)
        expectClose(wv.grad ?? Tensor(shape: w.shape), dw, tolerance: 2e-5, sourceLocation: sourceLocation)
    }

    @Test(arguments: instructionSets) func gradientsMatchFiniteDifferences(
        instructionSet: DirectConvolution.InstructionSet
    ) {
        let x = randomTensor([1, 8, 2, 16], seed: 143), w = randomTensor([8, 8, 3, 3], seed: 144)
        DirectConvolution.$instructionSet.withValue(instructionSet) {
            expectGradientsMatch([x, w]) { conv2d($0[0], weight: $0[1], stride: 1, padding: 1) }
        }
    }

    /// Shapes outside the kernels' contract go to im2col + sgemm.
    @Test func rejectsShapesItCannotCompute() {
        func geometry(_ c: Int, _ h: Int, _ w: Int, stride: Int = 1, padding: Int = 1, kernel: Int = 3)
            -> ConvolutionGeometry
        {
            ConvolutionGeometry(
                channels: c, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
        }
        func applies(_ g: ConvolutionGeometry, outputs: Int) -> Bool {
            DirectConvolution.$instructionSet.withValue(.avx512) {
                DirectConvolution.kernels(for: g, outputs: outputs) != nil
            }
        }
        #expect(!applies(geometry(16, 7, 8), outputs: 16))
        #expect(!applies(geometry(16, 8, 24), outputs: 16))
        #expect(!applies(geometry(16, 8, 7), outputs: 16))
        #expect(!applies(geometry(16, 8, 27), outputs: 16))
        #expect(applies(geometry(16, 8, 28), outputs: 16))
        #expect(!applies(geometry(16, 4, 4), outputs: 16))
        #expect(!applies(geometry(16, 16, 16), outputs: 12))
        #expect(!applies(geometry(16, 32, 32, stride: 3), outputs: 16))
        #expect(!applies(geometry(16, 16, 8, stride: 2), outputs: 16))
        #expect(!applies(geometry(16, 31, 32, stride: 2), outputs: 16))
        #expect(applies(geometry(16, 32, 32, stride: 2), outputs: 16))
        #expect(!applies(geometry(16, 32, 32, padding: 0), outputs: 16))
        #expect(!applies(geometry(16, 32, 32, padding: 2, kernel: 5), outputs: 16))
        #expect(applies(geometry(16, 32, 32), outputs: 16))
        // Switched off: nothing applies.
        #expect(
            !DirectConvolution.$instructionSet.withValue(nil) {
                DirectConvolution.kernels(for: geometry(16, 32, 32), outputs: 16) != nil
            })
    }
}

/// `CL_BENCH_CONV_KERNELS` parsing (independent of the CPU's instruction sets where possible).
@Suite struct KernelChoiceTests {
    @Test func environmentChoosesTheKernels() throws {
        let name = DirectConvolution.environmentVariable
        #expect(try DirectConvolution.configured(environment: [:]) == DirectConvolution.bestAvailable)
        #expect(try DirectConvolution.configured(environment: [name: "auto"]) == DirectConvolution.bestAvailable)
        #expect(try DirectConvolution.configured(environment: [name: "im2col"]) == nil)
        for choice in DirectConvolution.InstructionSet.allCases {
            if choice.isAvailable {
                #expect(try DirectConvolution.configured(environment: [name: choice.rawValue]) == choice)
            } else {
                #expect(throws: KernelChoiceError.self) {
                    try DirectConvolution.configured(environment: [name: choice.rawValue])
                }
            }
        }
        #expect(throws: KernelChoiceError.self) { try DirectConvolution.configured(environment: [name: "sse"]) }
    }
}
