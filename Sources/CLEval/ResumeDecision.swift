import CLLearners
import Foundation

/// What `cl-bench run --resume` does with one run, given its results file, its checkpoint
/// and the learner. This is the one place that decides.
public enum ResumeDecision: Equatable, Sendable {
    /// No results file yet: run it.
    case start
    /// The file says `complete`: nothing to do.
    case skip
    /// The file is incomplete and a checkpoint of a `Resumable` learner is beside it:
    /// continue after task `completedTasks`.
    case resume(previous: RunState, completedTasks: Int)
    /// The file is `running`, `interrupted` or `failed` and cannot be continued (no
    /// checkpoint, or a learner that is not `Resumable`): run it again from the first task.
    case restart(previous: RunState, reason: String)

    public static func decide(resultsPath: String, learner: any Learner.Type) -> ResumeDecision {
        switch RunState.ofResultsFile(at: resultsPath) {
        case .complete: return .skip
        case .notStarted: return .start
        case let state:
            guard learner is any Resumable.Type else {
                return .restart(previous: state, reason: "learner '\(learner.name)' cannot resume")
            }
            guard let checkpoint = try? RunCheckpoint.read(for: resultsPath) else {
                return .restart(previous: state, reason: "no checkpoint beside it")
            }
            return .resume(previous: state, completedTasks: checkpoint.completedTasks)
        }
    }
}

extension ResumeDecision {
    /// Decides for `path` and says so in one line when there is something to say; returns
    /// whether the run should go ahead and whether it continues from a checkpoint.
    public static func announce(for path: String, learner: any Learner.Type, run: String,
                                say: (String) -> Void) -> (go: Bool, fromCheckpoint: Bool) {
        switch decide(resultsPath: path, learner: learner) {
        case .start:
            return (true, false)
        case .skip:
            say("\(run): \(path) is complete, skipped (--resume)")
            return (false, false)
        case let .resume(previous, completedTasks):
            say("\(run): \(path) is \(previous.rawValue); continuing after its task \(completedTasks) (--resume)")
            return (true, true)
        case let .restart(previous, reason):
            say("\(run): \(path) is \(previous.rawValue); restarting it from the first task (\(reason))")
            return (true, false)
        }
    }
}
