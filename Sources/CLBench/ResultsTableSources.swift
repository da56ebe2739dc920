import CLConfig
import CLData
import CLReport
import CLResults
import Foundation

/// What the results table reads besides results files: the parity records with their
/// verdicts, and the learner entries of the shipped protocols.
enum ResultsTableSources {
    /// Every `*.yaml` record in `folder` (none when the folder does not exist), each with the
    /// verdicts of its own two sides and a link relative to the page at `page`.
    static func parity(in folder: String, linkedFrom page: String?) throws -> [ResultsTablePage.LinkedParity] {
        try yamlFiles(in: folder).map { path in
            let result = try ParityCheck.check(try ParityRecord.read(path: path), fresh: nil, recordFile: path)
            return ResultsTablePage.LinkedParity(link: relative(path, to: page), result: result)
        }
    }

    /// The learner entries of every protocol in `folder` (validated: a shipped protocol that
    /// does not parse is an error, not a missing row).
    static func shippedEntries(in folder: String) throws -> [ResultsTablePage.ShippedEntry] {
        try yamlFiles(in: folder).flatMap { path -> [ResultsTablePage.ShippedEntry] in
            let parsed = try ProtocolParser.parse(file: path)
            let paper = ProtocolTextFacts(text: parsed.yaml).paperReferences
            return parsed.learners.map { entry in
                ResultsTablePage.ShippedEntry(
                    protocolName: parsed.name, protocolFile: path, label: entry.name,
                    preset: entry.config.training.preset,
                    paperReferences: paper.filter { $0.learner == entry.name })
            }
        }
    }

    static func yamlFiles(in folder: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { throw InputError(file: folder, "expected a folder of YAML files") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// `path` relative to the folder of `page` when it lies below it; else as given.
    static func relative(_ path: String, to page: String?) -> String {
        guard let page else { return path }
        let folder = (page as NSString).deletingLastPathComponent
        let prefix = folder.isEmpty ? "" : folder + "/"
        return !prefix.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
