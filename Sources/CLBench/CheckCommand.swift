import ArgumentParser
import CLConfig
import CLData
import CLReport
import CLResults
import Foundation

/// `cl-bench check --baseline FILE PATH...`: the regression gate; `cl-bench check --parity
/// RECORD [PATH...]`: a parity record's rule, on the record and on fresh results; `cl-bench
/// check --identical A B`: two results files equal bit for bit apart from timings (a rerun,
/// or a resumed run against an uninterrupted one).
///
/// Exit status 0 when every baseline metric is within tolerance (or every parity verdict is
/// the record's, or the two files are identical), 1 when anything regressed, a verdict changed,
/// the files differ, or a learner has no complete
/// results, 2 on bad input (a malformed baseline or record, results of another protocol),
/// which `InputError` carries to the top level.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare results with a committed baseline (exit 1 on a regression) or with a parity record.",
        discussion: """
            --baseline: expected is the mean over the seeds found. Accuracy-like metrics may not fall below \
            expected - tolerance; forgetting-like ones may not rise above expected + tolerance.
            --parity: applies the record's agreement rule (|difference of means| <= max(minimum_tolerance, \
            std_factor x the larger seed std), per metric) to the record's own two sides and, when results \
            are given, to those results against the authors' side; exit 1 when a verdict differs from the record's.
            --identical A B: every dataset and attribute of the two results files bit for bit, apart from \
            timings, timestamps, peak memory and the resume record; exit 1 listing what differs.
            """)

    @Option(name: .long, help: "Baseline YAML, e.g. results/baselines/split-mnist.yaml.")
    var baseline: String?

    @Option(name: .long, help: "Parity record YAML, e.g. results/parity/prd-split-mnist-prd.yaml.")
    var parity: String?

    @Flag(name: .long, help: "Compare two results files bit for bit (apart from timings).")
    var identical = false

    @Argument(help: "Results files or folders.")
    var paths: [String] = []

    func validate() throws {
        guard [baseline != nil, parity != nil, identical].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --baseline, --parity and --identical")
        }
        if identical && paths.count != 2 {
            throw ValidationError("--identical compares two results files")
        }
        if baseline != nil && paths.isEmpty {
            throw ValidationError("--baseline needs results files or folders to check")
        }
    }

    func run() throws {
        if identical {
            let differences = try ResultsComparison.differences(paths[0], paths[1])
            guard differences.isEmpty else {
                StandardStreams.output(
                    "\(paths[0]) and \(paths[1]) differ:\n" + differences.map { "  " + $0 + "\n" }.joined())
                throw ExitCode(1)
            }
            StandardStreams.output("\(paths[0]) and \(paths[1]) are identical apart from timings\n")
            return
        }
        if let parity {
            let record = try ParityRecord.read(path: parity)
            let fresh = paths.isEmpty ? nil : try ResultsReader.records(in: paths)
            let result = try ParityCheck.check(record, fresh: fresh, recordFile: parity)
            StandardStreams.output(ParityTable.render(result, recordFile: parity))
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
            return
        }
        guard let baseline else { return }
        let expectations = try Baseline.read(path: baseline)
        let records = try ResultsReader.records(in: paths)
        let result = try RegressionCheck.compare(records, with: expectations, baselineFile: baseline)
        StandardStreams.output(RegressionTable.render(result, baselineFile: baseline))
        if result.exitCode != 0 {
            throw ExitCode(result.exitCode)
        }
    }
}
