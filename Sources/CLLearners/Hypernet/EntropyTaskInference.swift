import CLTensor
import Foundation

/// HNET+ENT (von Oswald et al., §4): without a task id, run the sample through the target
/// network once per learned task embedding and trust the task whose prediction is most
/// confident, i.e. whose softmax over its own head has the lowest entropy. Ties go to the
/// earliest task.
enum EntropyTaskInference {
    /// Shannon entropy (nats) of every row of a probability matrix [n, k].
    static func entropies(_ probabilities: Tensor) -> [Double] {
        let (rows, columns) = (probabilities.shape[0], probabilities.shape[1])
        var result = [Double](repeating: 0, count: rows)
        probabilities.scalars.withUnsafeBufferPointer { p in
            for row in 0..<rows {
                var h = 0.0
                for c in 0..<columns {
                    let v = Double(p[row &* columns &+ c])
                    if v.isNaN { h = .nan; break }
                    if v > 0 { h -= v * Foundation.log(v) }
                }
                result[row] = h
            }
        }
        return result
    }

    /// For each sample, the task whose head probabilities (`perTask[t]`, [n, k_t]) have the
    /// lowest entropy. NaN entropies never win (a NaN prediction is never "confident").
    static func chooseTasks(_ perTask: [Tensor]) -> [Int] {
        precondition(!perTask.isEmpty, "task inference needs at least one learned task")
        let n = perTask[0].shape[0]
        var best = [Double](repeating: .infinity, count: n)
        var chosen = [Int](repeating: 0, count: n)
        for (t, probabilities) in perTask.enumerated() {
            for (i, h) in entropies(probabilities).enumerated() where h < best[i] {
                best[i] = h
                chosen[i] = t
            }
        }
        return chosen
    }
}
