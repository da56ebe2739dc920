import ArgumentParser
import CLData
import CLReport
import CLResults

/// `cl-bench export PATH... --format csv`: tidy rows for pandas, R or a spreadsheet.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Export results as tidy CSV: one row per (protocol, learner, seed, metric) and per accuracy-matrix cell.",
        discussion: """
            Columns: protocol, learner, seed, status, kind, key, row, column, value. kind is metric, \
            accuracy_matrix (row 0 before training, row i+1 after task i), pooled_accuracy or \
            fscil_accuracy. Missing values are NaN; incomplete runs are included with their status.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv
    }

    @OptionGroup var mixing: MixingOptions

    @Argument(help: "Results files or folders.")
    var paths: [String]

    @Option(name: .long, help: "Output format (csv).")
    var format: Format = .csv

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    func run() throws {
        let records = try ResultsReader.atLeastOneRecord(in: paths, mixedConfigurations: mixing.policy)
        try ReportOutput.emit(CSVExport.render(records), to: out)
    }
}
