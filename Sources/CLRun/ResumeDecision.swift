import CLData
import CLLearners
import CLResults
import Foundation
import HDF5Kit

/// What `cl-bench run --resume` does with one run, given its results file, its checkpoint
/// and the learner. This is the one place that decides.
public enum ResumeDecision: Equatable, Sendable {
    /// No results file yet: run it.
    case start
    /// The file says `complete`: nothing to do.
    case skip
    /// The file is incomplete and a checkpoint is beside it:
    /// continue after task `completedTasks`.
    case resume(previous: RunState, completedTasks: Int)
    /// The file is `running`, `interrupted` or `failed` and cannot be continued (no
    /// checkpoint: the run stopped in its first task, or the learner holds state it does not
    /// declare, see `LearnerState.undeclaredState`): run it again from the first task.
    case restart(previous: RunState, reason: String)
    /// The file was written with another configuration of this learner than the protocol
    /// gives now (an edited protocol): continuing would mix two settings in one file, and
    /// skipping would pass off the old setting as the new one. Nothing is touched.
    case conflict(previous: RunState, difference: String)

    /// - Parameter configuration: the run's whole configuration now (`RunConfiguration`),
    ///   compared with the file's `configuration` attribute; files written before it was
    ///   recorded are compared by `learnerConfig` (their `learner_config`) alone. Nil skips the check.
    public static func decide(
        resultsPath: String, learner: any Learner.Type, learnerConfig: String? = nil,
        configuration: RunConfiguration? = nil
    ) -> ResumeDecision {
        let state = RunState.ofResultsFile(at: resultsPath)
        if state != .notStarted,
            let difference = recordedDifference(
                resultsPath, learnerConfig: learnerConfig, configuration: configuration)
        {
            return .conflict(previous: state, difference: difference)
        }
        switch state {
        case .complete: return .skip
        case .notStarted: return .start
        case let state:
            guard let checkpoint = try? RunCheckpoint.read(for: resultsPath) else {
                return .restart(previous: state, reason: "no checkpoint beside it")
            }
            return .resume(previous: state, completedTasks: checkpoint.completedTasks)
        }
    }
}

extension ResumeDecision {
    /// What differs between the file at `path` and the run now: the first differing key of its
    /// `configuration`, or (older files) its `learner_config`; nil when nothing differs or the
    /// file is unreadable (such a file is `failed` and runs again anyway).
    static func recordedDifference(_ path: String, learnerConfig: String?, configuration: RunConfiguration?)
        -> String?
    {
        guard let file = try? HDF5File.open(path) else { return nil }
        defer { file.close() }
        if let configuration, let text = (try? file.attribute("configuration"))??.stringValue, !text.isEmpty {
            return RunConfiguration.firstDifference(RunConfiguration(text: text), configuration).map {
                "its configuration differs in \($0.key): \($0.old ?? "(absent)") in the file, "
                    + "\($0.new ?? "(absent)") now"
            }
        }
        guard let learnerConfig, let recorded = (try? file.attribute("learner_config"))??.stringValue,
            recorded != learnerConfig
        else { return nil }
        return "its attribute learner_config differs"
    }

    /// Decides for `path` and says so in one line when there is something to say; returns
    /// whether the run should go ahead and whether it continues from a checkpoint; throws
    /// (one line naming the file) on a configuration conflict.
    public static func announce(
        for path: String, learner: any Learner.Type, learnerConfig: String? = nil,
        configuration: RunConfiguration? = nil, run: String, say: (String) -> Void
    ) throws -> (go: Bool, fromCheckpoint: Bool) {
        switch decide(resultsPath: path, learner: learner, learnerConfig: learnerConfig, configuration: configuration) {
        case let .conflict(previous, difference):
            throw InputError(
                file: path,
                "is \(previous.rawValue) but was written with another configuration of '\(learner.name)' than the "
                    + "protocol gives now (\(difference)); --resume would mix the two: move the file (and its "
                    + ".checkpoint) away to run the new setting")
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
