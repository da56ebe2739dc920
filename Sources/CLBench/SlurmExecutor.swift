import CLConfig
import CLResults
import CLRun
import Foundation

/// Hands a sweep's runs to Slurm as one job array, leaving out what is complete and what
/// Slurm already has queued or running, so that the same command is safe to repeat.
struct SlurmExecutor {
    var plan: SweepPlan
    var record: SweepRecordFolder
    var results: String
    var dataDirectory: String?
    var concurrency: Int?

    /// Submits (or with `dryRun` prints) the runs that need it; returns the job id, if one was submitted.
    @discardableResult
    func submit(_ statuses: [SweepRunStatus], dryRun: Bool) throws -> String? {
        let pending = statuses.filter(\.needsSubmission).map(\.run)
        let complete = statuses.filter { $0.state == .complete }.count
        let inSlurm = statuses.count - complete - pending.count
        guard !pending.isEmpty else {
            say(
                "sweep \(plan.spec.name): nothing to submit (\(complete) of \(statuses.count) runs complete, "
                    + "\(inSlurm) queued or running in Slurm)"
            )
            return nil
        }
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path)
        }
        let script = SlurmBatchScript(
            sweep: plan.spec, runs: pending, concurrency: concurrency,
            record: SweepRecordFolder(results: absolute(results), sweepName: plan.spec.name),
            workingDirectory: cwd, results: absolute(results),
            dataDirectory: dataDirectory.map(absolute), executable: ExternalCommand.currentExecutable)
        if dryRun {
            FileHandle.standardOutput.write(script.text.data(using: .utf8)!)
            return nil
        }
        guard ExternalCommand.locate("sbatch") != nil else {
            throw InputError(
                file: plan.spec.sourcePath,
                "--executor slurm: sbatch is not on PATH (is this a Slurm login node? --executor local runs here)")
        }
        try record.create()
        for generated in plan.generatedProtocols { try record.write(generated.text, to: generated.path) }
        try record.writeRunList(plan.runs, results: results)
        try record.write(script.text, to: record.batchScript)
        guard let result = ExternalCommand.run("sbatch", ["--parsable", record.batchScript]) else {
            throw SweepSubmissionError(message: "sbatch did not start (\(record.batchScript))")
        }
        guard result.status == 0 else {
            let reason = result.error.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(
                of: "\n", with: " ")
            throw SweepSubmissionError(message: "sbatch refused \(record.batchScript): \(reason)")
        }
        let jobID = String(
            result.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first ?? "")
        try record.appendSubmission(
            .init(jobID: jobID, submittedAt: RunEnvironment.timestamp(), runIDs: pending.map(\.id)))
        say(
            "sweep \(plan.spec.name): submitted Slurm job \(jobID), "
                + "\(pending.count) array task\(pending.count == 1 ? "" : "s") "
                + "(\(complete) complete, \(inSlurm) already in Slurm); "
                + "script \(record.batchScript), logs \(record.logs)/"
        )
        say(
            "follow it with: cl-bench sweep status \(plan.spec.sourcePath)"
                + (results == "results" ? "" : " --out \(results)"))
        return jobID
    }
}

/// Slurm would not take the job (a partition that does not exist, a limit): not bad
/// input in the sweep file as far as cl-bench can tell, so exit status 1 with sbatch's words.
struct SweepSubmissionError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
