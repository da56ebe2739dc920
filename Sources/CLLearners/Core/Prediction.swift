import CLTensor

/// A learner's output for a batch: one row per sample, one column per class the learner
/// knows (learner labels 0 ..< columns). The runner takes the argmax; columns beyond the
/// seen classes are never required.
public struct Prediction: Sendable {
    /// What the scores are.
    public enum Kind: Sendable { case logits, probabilities }

    public var scores: Tensor
    public var kind: Kind

    public init(scores: Tensor, kind: Kind = .logits) {
        precondition(scores.rank == 2, "prediction scores must be [samples, classes], got \(scores.shape)")
        self.scores = scores
        self.kind = kind
    }

    /// Number of classes scored.
    public var classCount: Int { scores.shape[1] }

    /// The highest-scoring class of each row among `allowed` columns (all columns when nil);
    /// -1 where no allowed column exists. Ties go to the lowest class.
    public func argmax(restrictedTo allowed: [Int]? = nil) -> [Int] {
        let rows = scores.shape[0], columns = scores.shape[1]
        let candidates = (allowed ?? Array(0..<columns)).filter { $0 >= 0 && $0 < columns }
        var result = [Int](repeating: -1, count: rows)
        scores.scalars.withUnsafeBufferPointer { s in
            for row in 0..<rows {
                var best = -Float.infinity, bestClass = -1
                let base = row &* columns
                for c in candidates {
                    let v = s[base &+ c]
                    if v > best || bestClass < 0 { best = v; bestClass = c }
                }
                result[row] = bestClass
            }
        }
        return result
    }
}
