/// Why training stopped. The runner turns a thrown error into a `failed` results file
/// that keeps the completed tasks, so the message must say where it happened.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    /// The loss became NaN or infinite (usually a learning rate too high for the schedule).
    case nonFiniteLoss(task: Int, epoch: Int, epochs: Int, batch: Int, step: Int, value: Float)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let task, let epoch, let epochs, let batch, let step, let value):
            return
                "training diverged: loss is \(value) in task \(task), epoch \(epoch)/\(epochs), batch \(batch) "
                + "(step \(step)) (try a lower training.lr or a warm-up)"
        }
    }
}
