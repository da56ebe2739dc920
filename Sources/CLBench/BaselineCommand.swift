import ArgumentParser
import CLConfig
import CLData
import CLResults
import Foundation

/// `cl-bench baseline write`: create or update a committed regression baseline from results.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Manage regression baselines (results/baselines/<protocol>.yaml).",
        subcommands: [BaselineWriteCommand.self])
}

/// Writes the mean over seeds of each learner's metrics, keeping hand-tuned tolerances and
/// learners without new results when the file already exists.
struct BaselineWriteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Create or update a baseline YAML from complete results of one protocol.")

    @Argument(help: "Results files or folders (one protocol).")
    var paths: [String]

    @Option(name: .long, help: "Baseline file to create or update.")
    var out: String

    @Option(name: .long, help: "Tolerance for metrics new to the file.")
    var tolerance: Double = 0.01

    @Option(
        name: .customLong("metric"),
        help: "A metric to record (repeatable); default: final_accuracy, average_incremental_accuracy, forgetting, bwt."
    )
    var metrics: [String] = []

    func run() throws {
        let records = try ResultsReader.atLeastOneRecord(in: paths)
        let existing = FileManager.default.fileExists(atPath: out) ? try Baseline.read(path: out) : nil
        let stamp = ISO8601DateFormatter().string(from: Date())
        let baseline = try Baseline.measured(
            from: records, metrics: metrics.isEmpty ? Baseline.defaultMetrics : metrics,
            tolerance: tolerance, updating: existing, date: stamp)
        try baseline.write(to: out)
        let count = baseline.learners.reduce(0) { $0 + $1.entries.count }
        StandardStreams.output(
            "\(existing == nil ? "wrote" : "updated") \(out): \(baseline.learners.count) learner(s), "
                + "\(count) metric bound(s)\n"
        )
    }
}
