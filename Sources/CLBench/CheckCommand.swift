import ArgumentParser
import CLData
import CLEval
import CLReport
import Foundation

/// `cl-bench check --baseline FILE PATH...`: the regression gate.
///
/// Exit status 0 when every baseline metric is within tolerance, 1 when anything regressed or
/// a baseline learner has no complete results, 2 on bad input (a malformed baseline, results
/// of another protocol), which `InputError` carries to the top level.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare results with a committed baseline; exit 1 on a regression.",
        discussion: """
        expected is the mean over the seeds found. Accuracy-like metrics may not fall below \
        expected - tolerance; forgetting-like ones may not rise above expected + tolerance.
        """)

    @Option(name: .long, help: "Baseline YAML, e.g. results/baselines/split-mnist.yaml.")
    var baseline: String

    @Argument(help: "Results files or folders.")
    var paths: [String]

    func run() throws {
        let expectations = try Baseline.read(path: baseline)
        let records = try ResultsReader.records(in: paths)
        let result = try RegressionCheck.compare(records, with: expectations, baselineFile: baseline)
        StandardStreams.output(RegressionTable.render(result, baselineFile: baseline))
        if result.exitCode != 0 {
            throw ExitCode(result.exitCode)
        }
    }
}
