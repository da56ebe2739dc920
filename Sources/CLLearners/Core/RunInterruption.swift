import Foundation

/// A request to end the run at the next safe point, set when the process receives SIGINT
/// or SIGTERM (Slurm's pre-emption signal). Safe points are where nothing is half-done:
/// between two training batches (`TrainingLoop`) and between two tasks (the runner). What
/// a learner did in the unfinished task is dropped; every completed task is in the file.
public enum RunInterruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var requestedBy: String?

    /// Records that `signal` ("SIGINT", "SIGTERM") asked the run to stop.
    public static func request(by signal: String) {
        lock.lock(); defer { lock.unlock() }
        if requestedBy == nil { requestedBy = signal }
    }

    /// The signal that asked to stop, if any.
    public static var requested: String? {
        lock.lock(); defer { lock.unlock() }
        return requestedBy
    }

    /// Throws `RunInterrupted` when a stop was requested.
    public static func checkpoint() throws {
        if let signal = requested { throw RunInterrupted(signal: signal) }
    }

    /// Forgets a request (tests run several runs in one process).
    public static func reset() {
        lock.lock(); defer { lock.unlock() }
        requestedBy = nil
    }
}

/// A run ended early at a safe point because of a signal. The runner fills in which
/// results file it was writing and how far it got.
public struct RunInterrupted: Error, CustomStringConvertible, Sendable {
    public var signal: String
    /// The results file (status `interrupted`); empty when the stop came between runs.
    public var resultsPath = ""
    public var completedTasks = 0
    public var taskCount = 0

    public init(signal: String) { self.signal = signal }

    public var description: String {
        resultsPath.isEmpty
            ? "interrupted by \(signal) between runs"
            : "interrupted by \(signal): \(resultsPath) keeps \(completedTasks) of \(taskCount) tasks "
                + "(status interrupted)"
    }
}
