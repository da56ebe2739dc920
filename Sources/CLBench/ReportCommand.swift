import ArgumentParser
import CLConfig
import CLData
import CLReport
import CLResults
import Foundation

/// `cl-bench report PATH...`: tables (terminal), Markdown with SVG plots, or one
/// self-contained HTML page, from results files only.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise results: mean ± std over seeds per protocol and learner, accuracy matrices, plots.",
        discussion: """
            PATH is a results file (.h5) or a folder searched recursively for them. Runs that are \
            still running or failed are listed apart and never averaged in.
            --format markdown --out FILE also writes the plots as SVG files next to FILE.
            --results-table writes the one-table page of results/README.md instead: a row per protocol and \
            learner entry with the parity verdicts of --parity-records and the entries of --protocols that \
            have no results.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, html
    }

    @OptionGroup var mixing: MixingOptions

    @Argument(help: "Results files or folders.")
    var paths: [String]

    @Option(name: .long, help: "text (terminal tables), markdown or html.")
    var format: Format = .text

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    @Flag(name: .long, help: "The results table (Markdown): one row per protocol and learner entry.")
    var resultsTable = false

    @Option(name: .long, help: "With --results-table: the folder of parity records (*.yaml).")
    var parityRecords = "results/parity"

    @Option(name: .long, help: "With --results-table: the folder of shipped protocols, to list entries not run.")
    var protocols = "Protocols"

    func run() throws {
        let records = try ResultsReader.atLeastOneRecord(in: paths, mixedConfigurations: mixing.policy)
        let summaries = ProtocolSummary.group(records)
        if resultsTable {
            let page = ResultsTablePage.render(
                summaries, parity: try ResultsTableSources.parity(in: parityRecords, linkedFrom: out),
                shipped: try ResultsTableSources.shippedEntries(in: protocols), facts: ProtocolTextFacts.init(text:),
                command: (["cl-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
            try ReportOutput.emit(page, to: out)
            if let out { StandardStreams.error("wrote \(out)\n") }
            return
        }
        switch format {
        case .text:
            try ReportOutput.emit(TerminalReport.render(summaries), to: out)
        case .markdown:
            let prefix = out.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
            let (markdown, figures) = MarkdownReport.render(summaries, figurePrefix: prefix)
            try ReportOutput.emit(markdown, to: out)
            if let out {
                let folder = (out as NSString).deletingLastPathComponent
                for figure in figures {
                    try ReportOutput.emit(figure.svg, to: (folder as NSString).appendingPathComponent(figure.fileName))
                }
            }
        case .html:
            let stamp = ISO8601DateFormatter().string(from: Date())
            try ReportOutput.emit(HTMLReport.render(summaries, generatedAt: stamp), to: out)
        }
        if let out { StandardStreams.error("wrote \(out)\n") }
    }
}

/// Where report-like commands put their text: standard output, or a file whose folder is created.
enum ReportOutput {
    static func emit(_ text: String, to path: String?) throws {
        guard let path else {
            StandardStreams.output(text)
            return
        }
        try OutputFile.write(text, to: path)
    }
}
