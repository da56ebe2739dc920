import CBLAS

/// Row-major single-precision GEMM, C = alpha · op(A) · op(B) + beta · C, on raw buffers.
@inline(__always)
func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    func call() {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }
    // Products too small to gain from threads run on one, which also keeps OpenBLAS's
    // idle threads from spinning (see `Parallel.singleThreadedBLAS`).
    if m * n * k < smallProductThreshold { Parallel.singleThreadedBLAS(call) } else { call() }
}

/// Multiply-adds below which a GEMM runs single-threaded: 4M, about 50 µs on one core.
let smallProductThreshold = 1 << 22

extension Tensor {
    /// op(self) · op(other) for rank-3 tensors [batch, rows, columns] (one GEMM per batch
    /// element). Rank-2 operands are treated as batch 1 and give a rank-2 result.
    func matrixProduct(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(
            rank == other.rank && (rank == 2 || rank == 3),
            "matmul needs two rank-2 or two rank-3 tensors, got \(shape) and \(other.shape)")
        let batched = rank == 3
        let batch = batched ? shape[0] : 1
        precondition(!batched || other.shape[0] == batch, "batch sizes differ: \(shape) and \(other.shape)")
        let (r0, c0) = (shape[rank - 2], shape[rank - 1])
        let (r1, c1) = (other.shape[rank - 2], other.shape[rank - 1])
        let (m, k) = transposeSelf ? (c0, r0) : (r0, c0)
        let (k2, n) = transposeOther ? (c1, r1) : (r1, c1)
        precondition(k == k2, "inner dimensions differ: \(shape) and \(other.shape)")
        var out = [Float](repeating: 0, count: batch * m * n)
        if m > 0 && n > 0 && k > 0 {
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { c in
                        for index in 0..<batch {
                            sgemm(
                                transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                                a: a.baseAddress! + index * r0 * c0, lda: c0,
                                b: b.baseAddress! + index * r1 * c1, ldb: c1,
                                c: c.baseAddress! + index * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        return Tensor(shape: batched ? [batch, m, n] : [m, n], scalars: out)
    }
}

extension Variable {
    /// Matrix product op(self) · op(other); rank 2 ([m, k] · [k, n]) or batched rank 3
    /// ([b, m, k] · [b, k, n]). The transpose flags avoid materialising transposes.
    public func matmul(_ other: Variable, transposeSelf: Bool = false, transposeOther: Bool = false) -> Variable {
        let (a, b) = (value, other.value)
        let (tA, tB) = (transposeSelf, transposeOther)
        let result = a.matrixProduct(b, transposeSelf: tA, transposeOther: tB)
        return .result(result, [self, other]) { g in
            if self.requiresGrad {
                self.accumulate(
                    tA
                        ? b.matrixProduct(g, transposeSelf: tB, transposeOther: true)
                        : g.matrixProduct(b, transposeSelf: false, transposeOther: !tB))
            }
            if other.requiresGrad {
                other.accumulate(
                    tB
                        ? g.matrixProduct(a, transposeSelf: true, transposeOther: tA)
                        : a.matrixProduct(g, transposeSelf: !tA, transposeOther: false))
            }
        }
    }
}

/// A fully connected layer with weights supplied as variables: x · Wᵀ + b, with W of
/// shape [out, in] as in PyTorch. Taking the weights as arguments lets them be outputs of
/// another network (a hypernetwork), with gradients flowing into that network.
public func linear(_ input: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
    let product = input.matmul(weight, transposeOther: true)
    guard let bias else { return product }
    return product + bias
}
