/// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016) for 3×3 convolutions
/// with stride 1 and padding 1 on even-sized images.
///
/// Why: each 2×2 block of outputs costs 16 multiplications instead of 36, so the GEMM work
/// of such a convolution drops 2.25×. The input is cut into overlapping 4×4 tiles
/// (stride 2), each tile d becomes V = Bᵀ d B, each 3×3 kernel g becomes U = G g Gᵀ; then
/// for every one of the 16 positions ξ of the 4×4 transform domain, one GEMM
/// M[ξ] (out × tiles) = U[ξ] (out × in) · V[ξ] (in × tiles) sums over input channels, and
/// each output block is Y = Aᵀ M A. Tiles of several images share one GEMM so that its
/// width stays near 512 columns (cache-sized, wide enough for the GEMM kernel).
///
/// Transforms: Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
/// G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1].
/// The rounding error is a few float32 ulps larger than direct convolution's.
struct WinogradConvolution {
    let channels, outputs, height, width: Int
    var tilesHigh: Int { height / 2 }
    var tilesWide: Int { width / 2 }
    var tilesPerImage: Int { tilesHigh * tilesWide }
    /// Padded plane: one zero row/column on each side.
    var paddedWidth: Int { width + 2 }
    var paddedHeight: Int { height + 2 }

    /// Whether a convolution geometry can use this algorithm (and is worth it: with very
    /// few input channels the GEMMs are too thin).
    static func applies(to geometry: ConvolutionGeometry) -> Bool {
        geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.stride == 1 && geometry.padding == 1
            && geometry.height % 2 == 0 && geometry.width % 2 == 0 && geometry.channels >= 8
    }

    /// Images per GEMM so that it has about 512 tile columns.
    var imagesPerChunk: Int { Swift.max(1, 512 / Swift.max(tilesPerImage, 1)) }

    /// Entries of a deinterleaved padded row: even (or odd) padded columns 0 ... width + 1.
    var halfRow: Int { tilesWide + 1 }

    /// Scratch floats one worker needs: even and odd columns of the padded plane, eight
    /// row-transformed half rows, four output half rows, V and M.
    var scratchSize: Int {
        let columns = imagesPerChunk * tilesPerImage
        return 2 * paddedHeight * halfRow + 8 * halfRow + 4 * tilesWide + 16 * channels * columns + 16 * outputs * columns
    }

    /// U[ξ][o][c] = (G g Gᵀ)[ξ] for weights [outputs, channels, 3, 3].
    func transformWeights(_ weights: UnsafePointer<Float>) -> [Float] {
        var u = [Float](repeating: 0, count: 16 * outputs * channels)
        for o in 0..<outputs {
            for c in 0..<channels {
                let g = weights + (o * channels + c) * 9
                // Rows of G g (4 × 3).
                var rows = [Float](repeating: 0, count: 12)
                for j in 0..<3 {
                    let (g0, g1, g2) = (g[j], g[3 + j], g[6 + j])
                    rows[j] = g0
                    rows[3 + j] = (g0 + g1 + g2) * 0.5
                    rows[6 + j] = (g0 - g1 + g2) * 0.5
                    rows[9 + j] = g2
                }
                for i in 0..<4 {
                    let (a, b, cc) = (rows[3 * i], rows[3 * i + 1], rows[3 * i + 2])
                    let values = [a, (a + b + cc) * 0.5, (a - b + cc) * 0.5, cc]
                    for j in 0..<4 { u[((4 * i + j) * outputs + o) * channels + c] = values[j] }
                }
            }
        }
        return u
    }

    /// Convolves images `images` of `input` [n, channels, h, w] into `output`
    /// [n, outputs, h, w] (overwritten). `scratch` holds `scratchSize` floats.
    ///
    /// Every loop runs over contiguous memory with explicit 8-lane vectors: the padded
    /// plane is stored as its even and its odd columns, so the four columns 2tx ... 2tx+3
    /// of tile tx are even[tx], odd[tx], even[tx+1], odd[tx+1]; outputs are produced as
    /// even and odd columns and interleaved on the way out.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, images: Range<Int>,
             transformedWeights u: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        typealias Lanes = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        @inline(__always) func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

        let (tw, th, half) = (tilesWide, tilesHigh, halfRow)
        let planeSize = height * width
        let even = scratch, odd = even + paddedHeight * half
        let rowT = odd + paddedHeight * half          // 4 even + 4 odd row-transformed half rows
        let outHalves = rowT + 8 * half               // top even/odd, bottom even/odd
        let v = outHalves + 4 * tw
        let maxColumns = imagesPerChunk * tilesPerImage
        let m = v + 16 * channels * maxColumns
        // Padding stays zero: rows 0 and h + 1, even column 0 and odd column w/2.
        even.update(repeating: 0, count: 2 * paddedHeight * half)
        var first = images.lowerBound
        while first < images.upperBound {
            let count = Swift.min(imagesPerChunk, images.upperBound - first)
            let columns = count * tilesPerImage
            let streamStride = channels * columns
            for local in 0..<count {
                let image = input + (first + local) * channels * planeSize
                for c in 0..<channels {
                    let plane = image + c * planeSize
                    // Deinterleave: padded column 2j is input column 2j − 1, 2j + 1 is 2j.
                    for y in 0..<height {
                        let source = plane + y * width
                        let e = even + (y + 1) * half, o = odd + (y + 1) * half
                        for j in 0..<tw {
                            e[j &+ 1] = source[2 &* j &+ 1]
                            o[j] = source[2 &* j]
                        }
                    }
                    for ty in 0..<th {
                        // Bᵀ down the padded rows 2ty ... 2ty + 3, for even and odd columns.
                        for parity in 0..<2 {
                            let (rows, target) = parity == 0 ? (even, rowT) : (odd, rowT + 4 * half)
                            let r0 = rows + (2 * ty) * half, r1 = r0 + half, r2 = r1 + half, r3 = r2 + half
                            let t0 = target, t1 = t0 + half, t2 = t1 + half, t3 = t2 + half
                            var j = 0
                            while j &+ 8 <= half {
                                let (a, b, cc, d) = (load(r0 + j), load(r1 + j), load(r2 + j), load(r3 + j))
                                store(a - cc, t0 + j); store(b + cc, t1 + j); store(cc - b, t2 + j); store(b - d, t3 + j)
                                j &+= 8
                            }
                            while j < half {
                                let (a, b, cc, d) = (r0[j], r1[j], r2[j], r3[j])
                                t0[j] = a - cc; t1[j] = b + cc; t2[j] = cc - b; t3[j] = b - d
                                j &+= 1
                            }
                        }
                        // B across each tile's columns: even[tx], odd[tx], even[tx+1], odd[tx+1].
                        let base = c * columns + local * tilesPerImage + ty * tw
                        for i in 0..<4 {
                            let e = rowT + i * half, o = rowT + (4 + i) * half
                            let s0 = v + (4 * i) * streamStride + base
                            let (s1, s2, s3) = (s0 + streamStride, s0 + 2 * streamStride, s0 + 3 * streamStride)
                            var tx = 0
                            while tx &+ 8 <= tw {
                                let (a, b, cc, d) = (load(e + tx), load(o + tx), load(e + (tx &+ 1)), load(o + (tx &+ 1)))
                                store(a - cc, s0 + tx); store(b + cc, s1 + tx); store(cc - b, s2 + tx); store(b - d, s3 + tx)
                                tx &+= 8
                            }
                            while tx < tw {
                                let (a, b, cc, d) = (e[tx], o[tx], e[tx &+ 1], o[tx &+ 1])
                                s0[tx] = a - cc; s1[tx] = b + cc; s2[tx] = cc - b; s3[tx] = b - d
                                tx &+= 1
                            }
                        }
                    }
                }
            }
            // Sixteen GEMMs over the input channels.
            for xi in 0..<16 {
                sgemm(transposeA: false, transposeB: false, m: outputs, n: columns, k: channels,
                      a: u + xi * outputs * channels, lda: channels,
                      b: v + xi * channels * columns, ldb: columns,
                      c: m + xi * outputs * columns, ldc: columns)
            }
            // Output transform: Y = Aᵀ M A for each 2×2 block.
            let stride = outputs * columns
            let (topEven, topOdd, bottomEven, bottomOdd) = (outHalves, outHalves + tw, outHalves + 2 * tw, outHalves + 3 * tw)
            for local in 0..<count {
                let image = output + (first + local) * outputs * planeSize
                for o in 0..<outputs {
                    let plane = image + o * planeSize
                    for ty in 0..<th {
                        let s0 = m + o * columns + local * tilesPerImage + ty * tw
                        var tx = 0
                        while tx &+ 8 <= tw {
                            @inline(__always) func at(_ xi: Int) -> Lanes { load(s0 + (xi &* stride &+ tx)) }
                            // Aᵀ down the rows, then A across the columns.
                            let a0 = at(0) + at(4) + at(8), b0 = at(4) - at(8) - at(12)
                            let a1 = at(1) + at(5) + at(9), b1 = at(5) - at(9) - at(13)
                            let a2 = at(2) + at(6) + at(10), b2 = at(6) - at(10) - at(14)
                            let a3 = at(3) + at(7) + at(11), b3 = at(7) - at(11) - at(15)
                            store(a0 + a1 + a2, topEven + tx); store(a1 - a2 - a3, topOdd + tx)
                            store(b0 + b1 + b2, bottomEven + tx); store(b1 - b2 - b3, bottomOdd + tx)
                            tx &+= 8
                        }
                        while tx < tw {
                            @inline(__always) func at(_ xi: Int) -> Float { s0[xi &* stride &+ tx] }
                            let a0 = at(0) + at(4) + at(8), b0 = at(4) - at(8) - at(12)
                            let a1 = at(1) + at(5) + at(9), b1 = at(5) - at(9) - at(13)
                            let a2 = at(2) + at(6) + at(10), b2 = at(6) - at(10) - at(14)
                            let a3 = at(3) + at(7) + at(11), b3 = at(7) - at(11) - at(15)
                            topEven[tx] = a0 + a1 + a2; topOdd[tx] = a1 - a2 - a3
                            bottomEven[tx] = b0 + b1 + b2; bottomOdd[tx] = b1 - b2 - b3
                            tx &+= 1
                        }
                        let top = plane + (2 * ty) * width, bottom = top + width
                        for tx in 0..<tw {
                            top[2 &* tx] = topEven[tx]; top[2 &* tx &+ 1] = topOdd[tx]
                            bottom[2 &* tx] = bottomEven[tx]; bottom[2 &* tx &+ 1] = bottomOdd[tx]
                        }
                    }
                }
            }
            first += count
        }
    }
}
