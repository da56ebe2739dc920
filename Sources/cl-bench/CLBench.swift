import ArgumentParser
import Foundation

/// The `cl-bench` command.
struct CLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cl-bench",
        abstract: "Continual-learning benchmark harness: run protocols, report and check results.",
        discussion: "Start with: cl-bench run --protocol Protocols/quickstart.yaml, then cl-bench report results/quickstart",
        version: "0.1.0",
        subcommands: [RunCommand.self, ReportCommand.self, ExportCommand.self, CheckCommand.self, BaselineCommand.self,
                      ListCommand.self, DataCommand.self])

    /// Prints `message` as one line and exits with status 2 (bad input).
    static func failWithInputError(_ message: String) -> Never {
        let oneLine = message.replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write("cl-bench: error: \(oneLine)\n".data(using: .utf8)!)
        Foundation.exit(2)
    }
}

/// Writes a line to standard output at once (progress must show while work goes on).
func say(_ line: String) {
    FileHandle.standardOutput.write((line + "\n").data(using: .utf8)!)
}
