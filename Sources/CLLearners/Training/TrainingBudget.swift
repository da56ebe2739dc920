/// How long a `TrainingLoop` trains: whole passes over the data (the protocol's
/// `training.epochs`), or a number of optimiser steps (hypernetworks count iterations
/// per task: 2000 for Split-MNIST in the official code), passing over the data as often
/// as needed, the last pass possibly cut short.
public enum TrainingBudget: Sendable, Equatable {
    case epochs(Int)
    case steps(Int)

    /// Total optimiser steps for `stepsPerEpoch` batches per pass.
    func totalSteps(stepsPerEpoch: Int) -> Int {
        switch self {
        case .epochs(let epochs): return epochs * stepsPerEpoch
        case .steps(let steps): return steps
        }
    }

    /// Number of passes (the last one may be partial).
    func epochCount(stepsPerEpoch: Int) -> Int {
        switch self {
        case .epochs(let epochs): return epochs
        case .steps(let steps): return (steps + stepsPerEpoch - 1) / max(stepsPerEpoch, 1)
        }
    }
}
