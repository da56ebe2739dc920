import CLConfig
import CLResults

/// Where one run of a sweep stands, from its results file and, when the sweep went to
/// Slurm, from the scheduler: a file that says `running` while Slurm no longer runs its
/// task was killed (pre-empted, out of memory, cancelled) and counts as interrupted.
public struct SweepRunStatus: Sendable {
    public var run: SweepRun
    /// What the results file says (`notStarted` when there is none).
    public var fileState: RunState
    /// What Slurm says about the run's latest array task (nil when the sweep never went
    /// to Slurm for this run, or Slurm cannot be asked).
    public var scheduler: SchedulerTaskState?
    public var state: RunState { SweepRunStatus.combine(file: fileState, scheduler: scheduler) }

    public init(run: SweepRun, fileState: RunState, scheduler: SchedulerTaskState?) {
        self.run = run
        self.fileState = fileState
        self.scheduler = scheduler
    }

    /// The rules, in one place: a complete file is complete whatever Slurm says; a task
    /// Slurm runs is running; a queued task whose file exists is an interrupted run
    /// waiting to resume; a `running` file with no live task is interrupted.
    public static func combine(file: RunState, scheduler: SchedulerTaskState?) -> RunState {
        if file == .complete { return .complete }
        switch scheduler {
        case .running?: return .running
        case .pending?: return file == .notStarted ? .notStarted : .interrupted
        case .ended?: return file == .running ? .interrupted : file
        case nil: return file
        }
    }

    /// Whether a new submission must include this run: not complete, and not already queued or running in Slurm.
    public var needsSubmission: Bool {
        guard state != .complete else { return false }
        switch scheduler {
        case .pending?, .running?: return false
        default: return true
        }
    }
}

/// A Slurm array task as `squeue` (live) or `sacct` (finished) reports it.
public enum SchedulerTaskState: Sendable, Equatable {
    /// Waiting in the queue (first time or requeued); the Slurm state name (PENDING, REQUEUED, ...).
    case pending(String)
    /// On a node now (RUNNING, COMPLETING, ...).
    case running(String)
    /// No longer in the queue; the final state from `sacct` when accounting is on (COMPLETED,
    /// CANCELLED, OUT_OF_MEMORY, TIMEOUT, ...), else empty.
    case ended(String)

    /// The Slurm state name, for display.
    public var slurmState: String {
        switch self {
        case .pending(let s), .running(let s), .ended(let s): return s
        }
    }

    /// Maps a Slurm job state name (`squeue -o %T`): queued, on a node, or over
    /// (COMPLETING and the final states: the task's process is gone or going).
    public static func fromQueue(_ name: String) -> SchedulerTaskState {
        if ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT"].contains(name) {
            return .pending(name)
        }
        if ["RUNNING", "CONFIGURING", "SUSPENDED", "STOPPED", "SIGNALING", "RESIZING", "STAGE_OUT"].contains(name) {
            return .running(name)
        }
        return .ended(name)
    }
}
