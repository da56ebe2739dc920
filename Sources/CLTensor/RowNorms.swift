import CBLAS

extension Tensor {
    /// The Euclidean norm of each row of a 2-D tensor, through BLAS dot products (a plain
    /// loop cannot be vectorised: float addition order is fixed without fast-math).
    public func rowNorms() -> [Float] {
        precondition(rank == 2, "rowNorms takes a 2-D tensor, got \(shape)")
        let rows = shape[0], columns = shape[1]
        var norms = [Float](repeating: 0, count: rows)
        scalars.withUnsafeBufferPointer { s in
            guard let base = s.baseAddress else { return }
            for r in 0..<rows {
                let row = base + r * columns
                norms[r] = cblas_sdot(Int32(columns), row, 1, row, 1).squareRoot()
            }
        }
        return norms
    }

    /// Each row divided by its Euclidean norm; zero rows stay zero.
    public func rowsNormalized() -> Tensor {
        let norms = rowNorms()
        var result = self
        let columns = shape[1]
        result.scalars.withUnsafeMutableBufferPointer { s in
            for (r, norm) in norms.enumerated() where norm > 0 {
                let scale = 1 / norm
                let start = r &* columns
                for k in start..<(start &+ columns) { s[k] *= scale }
            }
            for (r, norm) in norms.enumerated() where !(norm > 0) {
                let start = r &* columns
                for k in start..<(start &+ columns) { s[k] = 0 }
            }
        }
        return result
    }
}
