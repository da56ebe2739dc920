/// What `cl-bench run --resume` does with one run, given its results file. This is the
/// one place that decides: today an incomplete file is restarted from scratch; resuming
/// it from its last completed task replaces `restart` when checkpoints land.
public enum ResumeDecision: Equatable, Sendable {
    /// No results file yet: run it.
    case start
    /// The file says `complete`: nothing to do.
    case skip
    /// The file is `running`, `interrupted` or `failed`: run it again from the first task.
    case restart(previous: RunState)

    public static func decide(resultsPath: String) -> ResumeDecision {
        switch RunState.ofResultsFile(at: resultsPath) {
        case .complete: return .skip
        case .notStarted: return .start
        case let state: return .restart(previous: state)
        }
    }
}

extension ResumeDecision {
    /// Decides for `path` and says so in one line when there is something to say; returns
    /// whether the run should go ahead.
    public static func announce(for path: String, run: String, say: (String) -> Void) -> Bool {
        switch decide(resultsPath: path) {
        case .start:
            return true
        case .skip:
            say("\(run): \(path) is complete, skipped (--resume)")
            return false
        case .restart(let previous):
            say("\(run): \(path) is \(previous.rawValue); restarting it from the first task (--resume cannot continue a run from its last completed task yet)")
            return true
        }
    }
}
