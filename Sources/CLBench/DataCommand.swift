import ArgumentParser
import CLData
import Foundation

/// `cl-bench data`: dataset management.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Manage datasets.",
        subcommands: [DataFetchCommand.self, DataLocateCommand.self])
}

/// `cl-bench data fetch NAME`: downloads the official files and verifies their SHA-256.
struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a dataset's official files from their canonical address and verify their SHA-256.",
        discussion:
            "Datasets: \(DatasetFetcher.specifications.keys.sorted().joined(separator: ", ")). Files go to --data-dir, "
            + "else $CL_BENCH_DATA, else ~/.cache/cl-bench."
    )

    @Argument(help: "Dataset name.")
    var name: String

    @Option(name: .long, help: "Folder to download into.")
    var dataDir: String?

    @Option(name: .long, help: "Fetch from this base address instead of the canonical one (a mirror).")
    var baseURL: String?

    func run() throws {
        guard DatasetFetcher.specifications[name] != nil else {
            throw InputError(
                file: "",
                "data fetch: unknown dataset '\(name)' (fetchable: "
                    + "\(DatasetFetcher.specifications.keys.sorted().joined(separator: ", ")))"
            )
        }
        let catalog = DatasetLoading.catalog(dataDirectory: dataDir)
        let fetcher = DatasetFetcher(baseURLOverride: baseURL, log: { say($0) })
        let folder = try fetcher.fetch(name, into: catalog.fetchDirectory)
        say("\(name): files verified in \(folder)")
    }
}

/// `cl-bench data locate NAME`: where a dataset would be read from.
struct DataLocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locate",
        abstract: "Show where a dataset is found (or which files to put where).")

    @Argument(help: "Dataset name or path.")
    var name: String

    @Option(name: .long, help: "Folder to look in first.")
    var dataDir: String?

    func run() throws {
        let location = try DatasetLoading.catalog(dataDirectory: dataDir).locate(name)
        say("\(name): \(location)")
    }
}
