import CLTensor

/// NAPA-VQ's code vectors: one learned point in feature space per augmented label 4y + k
/// (class y seen rotated by k·90°), so row 4y + k belongs to that label, and the rows of a
/// class are contiguous. Classify by the nearest rotation-0 row (4y).
///
/// Kept as two variables: the rows of earlier tasks (`old`, never updated again: the code
/// zeroes their gradients before every step, `_before_update`) and the rows added for the
/// current task (`new`, trained). A class rather than a value because the training loop's
/// optimiser updates `new` in place.
public final class CodeVectors {
    /// Rows of earlier tasks [m_old, d]; frozen.
    public private(set) var old: Variable
    /// Rows of the current task [m_new, d]; trained.
    public private(set) var new: Variable
    public let dimension: Int

    public init(dimension: Int) {
        self.dimension = dimension
        old = Variable(Tensor(shape: [0, dimension]))
        new = Variable(Tensor(shape: [0, dimension]), requiresGrad: true)
    }

    /// Total number of rows.
    public var count: Int { old.shape[0] + new.shape[0] }

    /// Every row [count, d] as one differentiable matrix (old rows first).
    public var all: Variable { old.shape[0] == 0 ? new : (new.shape[0] == 0 ? old : concatenate([old, new])) }

    /// Every row, values only.
    public var values: Tensor {
        Tensor(shape: [count, dimension], scalars: old.value.scalars + new.value.scalars)
    }

    /// Starts a task: the rows trained so far become old (frozen), and rows up to
    /// `newCount` are added, drawn from N(0, 1) as `torch.randn` in the code.
    public func beginTask(growingTo newCount: Int, generator: inout SeededGenerator) {
        let kept = values
        old = Variable(kept)
        let added = max(0, newCount - kept.shape[0])
        new = Variable(
            Tensor(shape: [added, dimension], scalars: (0..<(added * dimension)).map { _ in generator.nextNormal() }),
            requiresGrad: true)
    }

    /// Rows 4y (rotation 0) of the first `classes` classes, [classes, d]: the classifier.
    public func rotationZeroRows(classes: Int) -> Tensor {
        let all = values
        var scalars = [Float](repeating: 0, count: classes * dimension)
        for y in 0..<classes {
            for c in 0..<dimension { scalars[y * dimension + c] = all.scalars[4 * y * dimension + c] }
        }
        return Tensor(shape: [classes, dimension], scalars: scalars)
    }

    /// Restores rows (all old) from `values` [m, d] (weights read back from a results file).
    public func load(_ values: Tensor) {
        precondition(values.rank == 2 && values.shape[1] == dimension, "code vectors must be [m, \(dimension)]")
        old = Variable(values)
        new = Variable(Tensor(shape: [0, dimension]), requiresGrad: true)
    }
}

extension CodeVectors: NetworkPart {
    public var weights: [String: Tensor] { ["values": values] }

    /// Every row, as old rows (the next task's `beginTask` adds the new ones).
    public func load(weights: [String: Tensor]) throws {
        guard let saved = weights["values"] else { throw LearnerCheckpoint.Missing(name: "values") }
        guard saved.rank == 2, saved.shape[1] == dimension else {
            throw LearnerCheckpoint.Mismatch(name: "values", detail: "shape \(saved.shape), \(dimension) columns")
        }
        load(saved)
    }
}
