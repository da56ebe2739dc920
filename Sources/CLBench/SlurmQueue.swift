import CLConfig
import CLRun
import Foundation

/// What this machine's Slurm says about a sweep's array tasks: `squeue` for tasks still
/// queued or running, `sacct` (when the cluster keeps accounting) for how the others ended.
struct SlurmQueue {
    /// Array task states by run id (the latest submission of each run wins).
    var states: [String: SchedulerTaskState] = [:]
    /// Whether `squeue` answered; when it did not, no run's state comes from Slurm.
    var available = false

    /// Asks Slurm about every array task of `submissions`.
    static func query(_ submissions: [SweepRecordFolder.Submission]) -> SlurmQueue {
        var queue = SlurmQueue()
        guard !submissions.isEmpty,
            let squeue = ExternalCommand.run("squeue", ["--noheader", "--array", "--format=%F|%K|%T"]),
            squeue.status == 0
        else { return queue }
        queue.available = true
        var live: [String: String] = [:]  // "job_task" → state
        for line in squeue.output.split(separator: "\n") {
            let fields = line.split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) }
            // %F the array's job id, %K the task index, %T the state name.
            if fields.count == 3 { live["\(fields[0])_\(fields[1])"] = fields[2] }
        }
        var finished: [String: String] = [:]
        let ids = submissions.map(\.jobID).joined(separator: ",")
        if let sacct = ExternalCommand.run(
            "sacct", ["--noheader", "--parsable2", "--allocations", "--jobs", ids, "--format=JobID,State"]),
            sacct.status == 0
        {
            for line in sacct.output.split(separator: "\n") {
                let fields = line.split(separator: "|").map(String.init)
                // "CANCELLED by 0" → "CANCELLED"
                if fields.count == 2 { finished[fields[0]] = String(fields[1].split(separator: " ").first ?? "") }
            }
        }
        for submission in submissions {
            for (index, runID) in submission.runIDs.enumerated() {
                let task = "\(submission.jobID)_\(index)"
                if let state = live[task] {
                    queue.states[runID] = SchedulerTaskState.fromQueue(state)
                } else if case .pending? = queue.states[runID] {
                    continue  // an older submission's pending task stays the news
                } else if case .running? = queue.states[runID] {
                    continue
                } else {
                    queue.states[runID] = .ended(finished[task] ?? "")
                }
            }
        }
        return queue
    }
}
