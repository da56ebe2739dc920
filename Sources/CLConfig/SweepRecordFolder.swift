import CLData
import Foundation

/// The folder where a sweep keeps its record, `<results>/sweeps/<sweep name>/`: the run
/// list, the generated protocols of grid points, every Slurm submission (job id and which
/// run each array task is) and the per-task logs. It is what makes a repeated sweep
/// command, `sweep status` and a post-mortem possible.
public struct SweepRecordFolder: Sendable {
    public let path: String

    public init(results: String, sweepName: String) {
        path = ((results as NSString).appendingPathComponent("sweeps") as NSString).appendingPathComponent(sweepName)
    }

    public var runList: String { sub("runs.tsv") }
    public var submissions: String { sub("jobs.tsv") }
    public var batchScript: String { sub("sweep.sbatch") }
    public var logs: String { sub("logs") }
    public var generatedProtocols: String { sub("protocols") }

    /// The log file of a run under the local executor.
    public func localLog(for run: SweepRun) -> String {
        ((logs as NSString).appendingPathComponent(run.id.replacingOccurrences(of: "/", with: "__")) as NSString)
            .appendingPathExtension("log")!
    }

    private func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// One Slurm submission: its job id and the run of each array task, by index.
    public struct Submission: Sendable, Equatable {
        public var jobID: String
        public var submittedAt: String
        public var runIDs: [String]

        public init(jobID: String, submittedAt: String, runIDs: [String]) {
            self.jobID = jobID; self.submittedAt = submittedAt; self.runIDs = runIDs
        }
    }

    /// Submissions in the order they were made (none when the sweep never went to Slurm).
    public func readSubmissions() throws -> [Submission] {
        guard let text = try? String(contentsOfFile: submissions, encoding: .utf8) else { return [] }
        var result: [Submission] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else {
                throw InputError(
                    file: "\(submissions):\(number + 1)", "expected job id, time and run ids separated by tabs")
            }
            result.append(
                Submission(
                    jobID: fields[0], submittedAt: fields[1], runIDs: fields[2].split(separator: ",").map(String.init)))
        }
        return result
    }

    public func appendSubmission(_ submission: Submission) throws {
        let line =
            [submission.jobID, submission.submittedAt, submission.runIDs.joined(separator: ",")].joined(separator: "\t")
            + "\n"
        try create()
        if !FileManager.default.fileExists(atPath: submissions) {
            try write("# job id\tsubmitted at\trun id of array task 0, 1, ...\n", to: submissions)
        }
        guard let handle = FileHandle(forWritingAtPath: submissions) else {
            throw InputError(file: submissions, "cannot append")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(line.data(using: .utf8)!)
    }

    /// Writes the run list (id, protocol file, learner, seed, results file), one run a line.
    public func writeRunList(_ runs: [SweepRun], results: String) throws {
        var text = "# run id\tprotocol file\tlearner\tseed\tresults file\n"
        for run in runs {
            text +=
                [run.id, run.protocolFile, run.learner, String(run.seed), run.resultsPath(in: results)].joined(
                    separator: "\t") + "\n"
        }
        try write(text, to: runList)
    }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: path, "cannot create the sweep's folder (\(error.localizedDescription))")
        }
    }

    public func write(_ text: String, to file: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw InputError(file: file, "cannot write (\(error.localizedDescription))")
        }
    }
}
