import ArgumentParser
import CLData
import Foundation

/// `cl-bench data`: dataset management.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Manage datasets.",
        subcommands: [])
}
