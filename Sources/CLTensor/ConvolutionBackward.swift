/// The pullback of `conv2d`: dX and dW of a batch, each by the fastest path that applies.
///
/// `Plan` makes every choice from the shapes alone, before any work, so the paths are easy
/// to see; `gradients` runs them, splitting images across the `Parallel` workers.
///
/// - dW: the direct kernels (16-lane partial sums per worker), or im2col + one GEMM per image
///   accumulated per worker (its transpose for ≤ 32 outputs).
/// - dX: the direct kernels on the adjoint convolution; the
///   im2col of dY with flipped kernels (same-size stride 1); Wᵀ·dY for 1×1; else Wᵀ·dY into
///   columns, scattered back into the image.
struct ConvolutionBackward {
    struct Plan {
        let geometry: ConvolutionGeometry
        let outputs: Int
        let needInput: Bool, needWeight: Bool
        /// Weight-gradient GEMM as cols · dYᵀ rather than dY · colsᵀ.
        let weightGradientTransposed: Bool
        /// dX is the same-size convolution of dY with flipped, transposed kernels.
        let transposedByFlip: Bool
        /// That adjoint convolution's geometry.
        let transposed: ConvolutionGeometry
        /// dX computed image by image.
        let inputByLoop: Bool
        let weightKernels: DirectConvolution.InstructionSet?
        let inputKernels: DirectConvolution.InstructionSet?

        var directWeight: Bool { weightKernels != nil }
        var directInput: Bool { inputKernels != nil }

        init(geometry: ConvolutionGeometry, outputs outChannels: Int, needInput: Bool, needWeight: Bool) {
            (self.geometry, self.outputs, self.needInput, self.needWeight) = (
                geometry, outChannels, needInput, needWeight
            )
            // Per-layer layout choice for the weight gradient: with few output channels the GEMM
            // dY · colsᵀ has only 16 or 32 rows, which OpenBLAS runs at about half speed when
            // accumulating (16×144×1024: 42 GFLOP/s on one core); computing the transpose
            // cols · dYᵀ instead (144×16×1024: 83 GFLOP/s) and transposing the small result is
            // faster. With 64 outputs the direct form wins (64×576×64: 84 vs 71 GFLOP/s).
            weightGradientTransposed = outChannels <= 32
            // For a same-size stride-1 convolution with an odd kernel, the input gradient is
            // itself such a convolution of dY with the kernel flipped and in/out swapped. That
            // GEMM writes dX directly, replacing "GEMM into columns, zero dX, scatter-add" by
            // "shifted copies, GEMM" (measured: about 5% of a ResNet-20 step).
            let kernel = geometry.kernelHeight
            transposedByFlip =
                needInput && geometry.isSameSizeStrideOne && kernel == geometry.kernelWidth
                && kernel % 2 == 1 && 2 * geometry.padding == kernel - 1
            transposed = ConvolutionGeometry(
                channels: outChannels, height: geometry.height, width: geometry.width,
                kernelHeight: kernel, kernelWidth: kernel, stride: 1, padding: geometry.padding)
            inputByLoop = needInput
            // Direct kernels (see `DirectConvolution`) for the weight gradient and for the input
            // gradient, which is the same-size convolution of dY with the adjoint kernels.
            weightKernels = needWeight ? DirectConvolution.kernels(for: geometry, outputs: outChannels) : nil
            inputKernels =
                inputByLoop && transposedByFlip
                ? DirectConvolution.kernels(for: transposed, outputs: geometry.channels) : nil
        }
    }

    let plan: Plan
    /// The layer's input x [n, c, h, w] and weights [o, c, kh, kw].
    let x: Tensor, w: Tensor

    init(input x: Tensor, weights w: Tensor, geometry: ConvolutionGeometry, needInput: Bool, needWeight: Bool) {
        (self.x, self.w) = (x, w)
        plan = Plan(geometry: geometry, outputs: w.shape[0], needInput: needInput, needWeight: needWeight)
    }

    /// dX (empty unless the plan needs it) and dW (likewise) for the output gradient g.
    func gradients(_ g: Tensor) -> (input: [Float], weight: [Float]) {
        let (geometry, needInput, needWeight) = (plan.geometry, plan.needInput, plan.needWeight)
        let (weightGradientTransposed, transposedByFlip, transposed) = (
            plan.weightGradientTransposed, plan.transposedByFlip,
            plan.transposed
        )
        let (inputByLoop, weightKernels, inputKernels) = (plan.inputByLoop, plan.weightKernels, plan.inputKernels)
        let (directWeight, directInput) = (plan.directWeight, plan.directInput)
        let (n, outChannels, kernel) = (x.shape[0], plan.outputs, geometry.kernelHeight)
        let imageSize = geometry.channels * geometry.height * geometry.width
        let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
        let workers = Parallel.workerCount
        // Each worker zeroes its own images' gradient just before accumulating into it.
        var dx = uninitializedScalars(needInput ? x.count : 0)
        // One weight-gradient partial sum per worker, added in worker order afterwards.
        var dwPartials = [Float](repeating: 0, count: needWeight && !directWeight ? w.count * workers : 0)
        let flipsWeights = transposedByFlip && !directInput
        var flipped = uninitializedScalars(flipsWeights ? w.count : 0)
        if flipsWeights {
            let (channels, area) = (geometry.channels, kernel * kernel)
            for o in 0..<outChannels {
                for c in 0..<channels {
                    for k in 0..<area {
                        flipped[(c * outChannels + o) * area + k] = w.scalars[(o * channels + c) * area + area - 1 - k]
                    }
                }
            }
        }
        let adjointPacked =
            directInput
            ? DirectConvolution.packWeights(w.scalars, outputs: outChannels, channels: geometry.channels, adjoint: true)
            : []
        let weightChunk = DirectConvolution.imagesPerWeightCall(geometry)
        let directScratchSize = Swift.max(
            directWeight
                ? weightChunk * DirectConvolution.scratchSize(channels: geometry.channels, geometry: geometry) : 0,
            directInput ? DirectConvolution.scratchSize(channels: outChannels, geometry: geometry) : 0)
        var directScratch = uninitializedScalars(directScratchSize * workers)
        let partialSize = directWeight ? w.count * DirectConvolution.partialLanes : 0
        // Zeroed by each worker in the parallel region (several MB for 64-channel layers).
        var directPartials = uninitializedScalars(partialSize * workers)
        let columnSize =
            geometry.isPointwise || (directInput || !inputByLoop) && (directWeight || !needWeight)
            ? 0 : Swift.max(patch, transposedByFlip ? transposed.patchSize : 0) * pixels
        // Zeroed once: shared by the im2col of x (weight gradient) and of dY (input
        // gradient), whose rows have the same zero borders.
        var columns = [Float](repeating: 0, count: columnSize * workers)
        adjointPacked.withUnsafeBufferPointer { adjointBuffer in
            directScratch.withUnsafeMutableBufferPointer { directScratchBuffer in
                directPartials.withUnsafeMutableBufferPointer { directPartialsBuffer in
                    let (adjointWeights, scratchBase, partialsBase) = (
                        adjointBuffer.baseAddress, directScratchBuffer.baseAddress,
                        directPartialsBuffer.baseAddress
                    )
                    flipped.withUnsafeBufferPointer { flippedBuffer in
                        let flippedWeights = flippedBuffer.baseAddress
                        g.scalars.withUnsafeBufferPointer { gb in
                            x.scalars.withUnsafeBufferPointer { xb in
                                w.scalars.withUnsafeBufferPointer { wb in
                                    columns.withUnsafeMutableBufferPointer { cb in
                                        dx.withUnsafeMutableBufferPointer { dxb in
                                            dwPartials.withUnsafeMutableBufferPointer { dwb in
                                                let (gp, xp, wp, cp, dxp, dwp) = (
                                                    gb.baseAddress!, xb.baseAddress!, wb.baseAddress!,
                                                    cb.baseAddress, dxb.baseAddress, dwb.baseAddress
                                                )
                                                Parallel.forEachBlock(of: n) { worker, images in
                                                    let buffer = cp.map { $0 + worker * columnSize }
                                                    let scratch = scratchBase.map { $0 + worker * directScratchSize }
                                                    if directWeight {
                                                        (partialsBase! + worker * partialSize).update(
                                                            repeating: 0, count: partialSize)
                                                        for first in Swift.stride(
                                                            from: images.lowerBound, to: images.upperBound,
                                                            by: weightChunk)
                                                        {
                                                            DirectConvolution.accumulateWeightGradient(
                                                                weightKernels!, images: xp + first * imageSize,
                                                                outputGradients: gp + first * outChannels * pixels,
                                                                count: Swift.min(
                                                                    weightChunk, images.upperBound - first),
                                                                geometry: geometry,
                                                                outputs: outChannels,
                                                                partials: partialsBase! + worker * partialSize,
                                                                scratch: scratch!)
                                                        }
                                                    }
                                                    for image in images {
                                                        let gradient = gp + image * outChannels * pixels
                                                        if needWeight && !directWeight {
                                                            let matrix = geometry.columnMatrix(
                                                                of: xp + image * imageSize, buffer: buffer)
                                                            if weightGradientTransposed {
                                                                // dWᵀ += cols · dYᵀ
                                                                sgemm(
                                                                    transposeA: false, transposeB: true, m: patch,
                                                                    n: outChannels, k: pixels,
                                                                    a: matrix, lda: pixels, b: gradient, ldb: pixels,
                                                                    beta: 1, c: dwp! + worker * w.count,
                                                                    ldc: outChannels)
                                                            } else {
                                                                // dW += dY · colsᵀ
                                                                sgemm(
                                                                    transposeA: false, transposeB: true, m: outChannels,
                                                                    n: patch, k: pixels,
                                                                    a: gradient, lda: pixels, b: matrix, ldb: pixels,
                                                                    beta: 1, c: dwp! + worker * w.count, ldc: patch)
                                                            }
                                                        }
                                                        if inputByLoop {
                                                            let target = dxp! + image * imageSize
                                                            if directInput {
                                                                DirectConvolution.forward(
                                                                    inputKernels!, image: gradient,
                                                                    channels: outChannels,
                                                                    geometry: transposed, packed: adjointWeights!,
                                                                    outputs: geometry.channels, out: target,
                                                                    scratch: scratch!)
                                                            } else if geometry.isPointwise {
                                                                sgemm(
                                                                    transposeA: true, transposeB: false, m: patch,
                                                                    n: pixels, k: outChannels,
                                                                    a: wp, lda: patch, b: gradient, ldb: pixels,
                                                                    c: target, ldc: pixels)
                                                            } else if transposedByFlip {
                                                                transposed.imageToColumnsShifted(
                                                                    gradient, buffer!, bordersAreZero: true)
                                                                sgemm(
                                                                    transposeA: false, transposeB: false,
                                                                    m: geometry.channels, n: pixels,
                                                                    k: transposed.patchSize, a: flippedWeights!,
                                                                    lda: transposed.patchSize,
                                                                    b: buffer!, ldb: pixels, c: target, ldc: pixels)
                                                            } else {
                                                                // dcols = Wᵀ · dY, then scattered back
                                                                // into the image.
                                                                target.update(repeating: 0, count: imageSize)
                                                                sgemm(
                                                                    transposeA: true, transposeB: false, m: patch,
                                                                    n: pixels, k: outChannels,
                                                                    a: wp, lda: patch, b: gradient, ldb: pixels,
                                                                    c: buffer!, ldc: pixels)
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
                            DirectConvolution.reducePartials(
                                pp + (worker * w.count + range.lowerBound) * DirectConvolution.partialLanes,
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
        return (dx, dw)
    }
}
