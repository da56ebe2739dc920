import ArgumentParser
import CLConfig
import CLResults
import CLRun
import Foundation

/// `cl-bench sweep status FILE`: counts the sweep's runs as complete, running,
/// interrupted, failed or not started, from the results files and (when the sweep went to
/// Slurm and Slurm answers) from `squeue`/`sacct`, and lists every run that is not complete.
struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count a sweep's runs by state; --resubmit submits to Slurm what is not complete.")

    @OptionGroup var location: SweepLocation

    @Flag(name: .long, help: "Submit to Slurm every run that is not complete and not already queued or running.")
    var resubmit = false

    @Option(name: .short, help: "With --resubmit: at most N array tasks at a time.")
    var jobs: Int?

    func run() throws {
        let (plan, record, statuses) = try location.load()
        let submissions = try record.readSubmissions()
        say(
            SweepStatusCommand.render(
                plan: plan, statuses: statuses, jobIDs: submissions.map(\.jobID), results: location.out))
        if resubmit {
            try SlurmExecutor(
                plan: plan, record: record, results: location.out, dataDirectory: location.dataDir,
                concurrency: jobs
            ).submit(statuses, dryRun: false)
        }
    }

    static func render(plan: SweepPlan, statuses: [SweepRunStatus], jobIDs: [String], results: String) -> String {
        let counts = RunState.allCases.map { state in "\(state.rawValue) \(statuses.filter { $0.state == state }.count)"
        }
        var lines = [
            "sweep \(plan.spec.name) (\(plan.spec.sourcePath)): \(statuses.count) runs · "
                + counts.joined(separator: " · ")
        ]
        if !jobIDs.isEmpty {
            let asked = statuses.contains { $0.scheduler != nil }
            lines.append(
                "Slurm jobs: \(jobIDs.joined(separator: ", "))"
                    + (asked ? "" : " (squeue did not answer: states from the results files only)"))
        }
        let open = statuses.filter { $0.state != .complete }
        if !open.isEmpty {
            let idWidth = max(3, open.map(\.run.id.count).max()!)
            lines.append(
                "run".padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  state        results file  slurm")
            for status in open {
                lines.append(
                    status.run.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                        + status.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "  "
                        + (status.fileState == .notStarted ? "none" : status.fileState.rawValue).padding(
                            toLength: 12, withPad: " ", startingAt: 0)
                        + "  " + slurmColumn(status.scheduler))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Slurm's state name; a task gone from the queue without accounting to say how it ended shows as such.
    static func slurmColumn(_ state: SchedulerTaskState?) -> String {
        guard let state else { return "" }
        if case .ended("") = state { return "gone from the queue" }
        return state.slurmState
    }
}
