import CLConfig
import CLResults
import CLRun
import Foundation

/// Runs a sweep's incomplete runs on this machine, `jobs` at a time, each as its own
/// `cl-bench run ... --resume` process with its output in a log file, and one progress
/// line (rewritten in place on a terminal, one line per finished run otherwise).
struct LocalExecutor {
    var plan: SweepPlan
    var record: SweepRecordFolder
    var results: String
    var dataDirectory: String?
    var jobs: Int

    /// Returns the number of runs that failed.
    func run(_ statuses: [SweepRunStatus]) throws -> Int {
        let todo = statuses.filter { $0.state != .complete }.map(\.run)
        let complete = statuses.count - todo.count
        guard !todo.isEmpty else {
            say("sweep \(plan.spec.name): nothing to run (all \(statuses.count) runs complete)")
            return 0
        }
        try record.create()
        for generated in plan.generatedProtocols { try record.write(generated.text, to: generated.path) }
        try record.writeRunList(plan.runs, results: results)
        say(
            "sweep \(plan.spec.name): \(todo.count) of \(statuses.count) runs to do (\(complete) complete), "
                + "\(jobs) at a time; logs in \(record.logs)/"
        )

        var environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_NUM_THREADS"] == nil {  // share the cores instead of each run taking all of them
            environment["OPENBLAS_NUM_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount / jobs))
        }
        let terminal = TerminalOutput()
        let finished = DispatchSemaphore(value: 0)
        let ended = EndedRuns()
        var running = 0, done = 0, failed = 0
        var queue = todo[...]
        func progress() -> String {
            "sweep \(plan.spec.name): \(done + failed)/\(todo.count) done · \(running) running · \(failed) failed · "
                + "\(queue.count) waiting"
        }
        while !queue.isEmpty || running > 0 {
            while running < jobs, let next = queue.popFirst() {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: ExternalCommand.currentExecutable)
                process.arguments =
                    ["run"] + next.runArguments + ["--out", results, "--resume"]
                    + (dataDirectory.map { ["--data-dir", $0] } ?? [])
                process.environment = environment
                let log = record.localLog(for: next)
                guard FileManager.default.createFile(atPath: log, contents: nil),
                    let handle = FileHandle(forWritingAtPath: log)
                else { throw InputError(file: log, "cannot write the run's log") }
                process.standardOutput = handle
                process.standardError = handle
                process.standardInput = FileHandle.nullDevice
                let started = RunEnvironment.monotonicSeconds()
                process.terminationHandler = { process in
                    try? handle.close()
                    ended.append((next, process.terminationStatus, RunEnvironment.monotonicSeconds() - started))
                    finished.signal()
                }
                try process.run()
                running += 1
            }
            terminal.status(progress())
            finished.wait()
            let batch = ended.take()
            for (run, status, seconds) in batch {
                running -= 1
                if status == 0 {
                    done += 1
                    terminal.line(String(format: "  done   %@ (%.1f s)", run.id, seconds))
                } else {
                    failed += 1
                    terminal.line("  FAILED \(run.id) (exit status \(status)); see \(record.localLog(for: run))")
                }
                if !terminal.isTerminal { say("  " + progress()) }
            }
        }
        terminal.line(
            "sweep \(plan.spec.name): \(done) run\(done == 1 ? "" : "s") finished, \(failed) failed, "
                + "\(complete) were already complete; see them with: cl-bench report \(results)"
        )
        return failed
    }
}

/// Runs whose process ended, handed from the termination handlers to the loop that
/// starts the next ones.
private final class EndedRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(SweepRun, Int32, Double)] = []

    func append(_ item: (SweepRun, Int32, Double)) {
        lock.lock(); defer { lock.unlock() }
        items.append(item)
    }

    func take() -> [(SweepRun, Int32, Double)] {
        lock.lock(); defer { lock.unlock() }
        defer { items.removeAll() }
        return items
    }
}
