import CBLAS

/// C = op(A) · op(B) for 2-D tensors through `cblas_sgemm`, with no gradient tracking:
/// the building block of training-free learners (prototype scoring) and evaluation.
public func matrixProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matrixProduct takes 2-D tensors, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kB = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(
        k == kB,
        "inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    var c = [Float](repeating: 0, count: m * n)
    if m > 0 && n > 0 && k > 0 {
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(a.shape[1]),
                        pb.baseAddress, Int32(b.shape[1]), 0, pc.baseAddress, Int32(n))
                }
            }
        }
    }
    return Tensor(shape: [m, n], scalars: c)
}
