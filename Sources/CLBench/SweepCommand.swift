import ArgumentParser
import CLConfig
import CLResults
import CLRun
import Foundation

/// `cl-bench sweep`: expands a sweep file into runs and hands those not complete to an
/// executor (Slurm or this machine); `cl-bench sweep status` says where each run stands.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep (protocols x learners x seeds x hyperparameter grids) on Slurm or on this machine.",
        discussion: """
            cl-bench sweep FILE --executor slurm [-j N] submits one job array (one task per run that is not \
            complete and not already in Slurm); --dry-run prints the sbatch script instead. \
            cl-bench sweep FILE --executor local -j N runs them here, N at a time. Both are safe to repeat: \
            complete runs are skipped. cl-bench sweep status FILE counts runs by state.
            """,
        subcommands: [SweepLaunchCommand.self, SweepStatusCommand.self],
        defaultSubcommand: SweepLaunchCommand.self)
}

/// Options every sweep subcommand shares.
struct SweepLocation: ParsableArguments {
    @Argument(help: "The sweep file (YAML).")
    var file: String

    @Option(name: .long, help: "Results folder (as for run); the sweep's record goes to <out>/sweeps/<name>/.")
    var out: String = "results"

    @Option(name: .long, help: "Folder to look for datasets in first, passed to every run.")
    var dataDir: String?

    /// The sweep file, validated and expanded, and where each run stands.
    func load() throws -> (SweepPlan, SweepRecordFolder, [SweepRunStatus]) {
        let spec = try SweepParser.parse(file: file)
        let record = SweepRecordFolder(results: out, sweepName: spec.name)
        let plan = try SweepPlan(spec: spec, record: record)
        let queue = SlurmQueue.query(try record.readSubmissions())
        let statuses = plan.runs.map { run in
            SweepRunStatus(
                run: run, fileState: RunState.ofResultsFile(at: run.resultsPath(in: out)),
                scheduler: queue.available ? queue.states[run.id] : nil)
        }
        return (plan, record, statuses)
    }
}

/// `cl-bench sweep FILE --executor slurm|local`.
struct SweepLaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Submit (slurm) or run (local) every run of the sweep that is not complete.")

    enum Executor: String, ExpressibleByArgument, CaseIterable {
        case slurm, local
    }

    @OptionGroup var location: SweepLocation

    @Option(name: .long, help: "slurm (one sbatch job array) or local (this machine).")
    var executor: Executor

    @Option(
        name: .short, help: "At most N runs at a time (local: default 1; slurm: the array's %N limit, default none).")
    var jobs: Int?

    @Flag(name: .long, help: "slurm: print the sbatch script instead of submitting it.")
    var dryRun = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j \(jobs): needs at least 1") }
        if dryRun && executor != .slurm { throw ValidationError("--dry-run goes with --executor slurm") }
    }

    func run() throws {
        let (plan, record, statuses) = try location.load()
        switch executor {
        case .slurm:
            try SlurmExecutor(
                plan: plan, record: record, results: location.out, dataDirectory: location.dataDir,
                concurrency: jobs
            ).submit(statuses, dryRun: dryRun)
        case .local:
            let failed = try LocalExecutor(
                plan: plan, record: record, results: location.out, dataDirectory: location.dataDir,
                jobs: jobs ?? 1
            ).run(statuses)
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
