import Testing
@testable import CLTensor

@Test func rowNormsAndNormalisationMatchANaiveLoop() {
    var generator = SystemRandomNumberGenerator()
    let rows = 7, columns = 37
    var values = (0..<(rows * columns)).map { _ in Float.random(in: -3...3, using: &generator) }
    for k in 0..<columns { values[2 * columns + k] = 0 }  // a zero row stays zero
    let tensor = Tensor(shape: [rows, columns], scalars: values)
    let norms = tensor.rowNorms()
    let normalized = tensor.rowsNormalized()
    for r in 0..<rows {
        let row = values[(r * columns)..<((r + 1) * columns)].map(Double.init)
        let expected = row.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(abs(Double(norms[r]) - expected) <= 1e-5 * max(1, expected))
        for k in 0..<columns {
            let want = expected > 0 ? row[k] / expected : 0
            #expect(abs(Double(normalized.scalars[r * columns + k]) - want) <= 1e-6)
        }
    }
    #expect(norms[2] == 0)
}
