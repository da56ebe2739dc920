import CLData
import CLReport
import Foundation
import HDF5Kit
import Testing
@testable import CLResults

/// Results files are fuzzed at the level of the schema, not the bytes: random attributes,
/// datasets of random rank, shape, type and values, removed objects, written into copies
/// of a real results file (`FuzzCorpus/results/*.h5`) with HDF5Kit. Byte-level damage is
/// HDF5's own parser's business (a C library with its own fuzzing); what cl-bench must
/// survive is a well-formed HDF5 file whose content breaks the schema. Each mutant is read
/// and, when accepted, goes through every report, the CSV export and the regression check.
struct ResultsFileFuzzer {
    var iterations: Int
    var seed: UInt64 = FuzzCampaign.seedFromEnvironment ?? 7

    static let rootAttributes = [
        "completed_tasks", "status", "seed", "schema", "protocol_name", "learner", "blas_threads",
        "peak_rss_bytes", "finished_at", "error", "stream_kind", "protocol_yaml", "learner_type",
    ]
    static let datasets = ResultsSchema.datasets.map(\.path) + ["/stream/class_order", "/stream/task_classes"]

    func run() throws -> FuzzCampaign.Tally {
        let folder = (FuzzCampaign.corpusRoot as NSString).appendingPathComponent("results")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".h5") }.sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
        #expect(!seeds.isEmpty)
        let originals = try seeds.map(ResultsReader.read)
        var random = FuzzRandom(seed: seed)
        var tally = FuzzCampaign.Tally()
        let copy = FuzzTargets.scratchFile("results.h5")
        let log = (FuzzCampaign.findingsFolder as NSString).appendingPathComponent("results.last")
        for index in 0..<(seeds.count + iterations * FuzzCampaign.scale) {
            let source = seeds[index % seeds.count]
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: source, toPath: copy)
            var applied: [String] = []
            if index >= seeds.count {
                let file = try HDF5File.open(copy, writable: true)
                for _ in 0...random.below(3) { applied.append(mutate(file, random: &random)) }
                try file.flush()
                file.close()
            }
            // The mutations, not the bytes, reproduce a finding.
            _ = FileManager.default.createFile(
                atPath: log, contents: Data("\(source)\n\(applied.joined(separator: "\n"))\n".utf8))
            tally.tried += 1
            do {
                let record = try ResultsReader.read(copy)
                tally.accepted += 1
                exerciseConsumers([record] + originals)
            } catch is InputError {
                tally.refused += 1
            } catch {
                tally.findings += 1
                Issue.record(
                    "results mutant \(index) [\(applied.joined(separator: "; "))] threw \(type(of: error)): \(error)")
            }
        }
        try? FileManager.default.removeItem(atPath: copy)
        try? FileManager.default.removeItem(atPath: log)
        print("fuzz results: \(tally)")
        return tally
    }

    /// Everything the commands compute from records: reports in three formats, the CSV, the
    /// regression check and a new baseline.
    func exerciseConsumers(_ records: [RunRecord]) {
        let summaries = ProtocolSummary.group(records)
        _ = TerminalReport.render(summaries)
        _ = MarkdownReport.render(summaries, figurePrefix: "fuzz")
        _ = HTMLReport.render(summaries, generatedAt: "now")
        _ = CSVExport.render(records)
        if let baseline = try? Baseline.measured(
            from: records.filter { $0.protocolName == records[0].protocolName }, tolerance: 0.01, date: "now")
        {
            if let result = try? RegressionCheck.compare(
                records.filter { $0.protocolName == baseline.protocolName }, with: baseline)
            {
                _ = RegressionTable.render(result, baselineFile: "b.yaml")
            }
        }
    }

    private func mutate(_ file: HDF5File, random: inout FuzzRandom) -> String {
        do {
            switch random.below(6) {
            case 0, 1:
                let name = random.pick(Self.rootAttributes)
                let value = attributeValue(&random)
                try file.setAttribute(name, value)
                return "attribute \(name) = \(value)"
            case 2:
                let key = random.chance(80) ? random.pick(MetricCatalog.all.map(\.key)) : "junk"
                let value = attributeValue(&random)
                if !file.exists("/metrics") { try file.createGroup("/metrics") }
                try file.setAttribute(key, value, at: "/metrics")
                return "/metrics \(key) = \(value)"
            case 3:
                let path = random.pick(Self.datasets)
                if file.exists(path) { try file.remove(path) }
                return "removed \(path)"
            case 4:
                let path = random.pick(Self.datasets)
                if file.exists(path) { try file.remove(path) }
                let rank = random.below(4)
                let shape = (0..<rank).map { _ in random.chance(20) ? 0 : 1 + random.below(5) }
                let count = shape.reduce(1, *)
                if random.chance(50) {
                    try file.write(
                        (0..<count).map { _ in Int32(truncatingIfNeeded: random.pick(Self.interestingIntegers)) },
                        shape: shape, at: path)
                } else {
                    try file.write(
                        (0..<count).map { _ in random.pick(Self.interestingDoubles) }, shape: shape, at: path)
                }
                return "\(path) replaced by shape \(shape)"
            default:  // overwrite one row of an existing dataset in place
                let path = random.pick(Self.datasets)
                guard file.exists(path), let shape = try? file.shape(of: path), let rows = shape.first, rows > 0 else {
                    return "nothing"
                }
                let width = shape.dropFirst().reduce(1, *)
                let row = random.below(rows)
                try file.writeRows(
                    (0..<width).map { _ in random.pick(Self.interestingDoubles) }, startingAt: row, at: path)
                return "\(path) row \(row) overwritten"
            }
        } catch {
            return "mutation failed: \(error)"
        }
    }

    static let interestingIntegers: [Int64] = [
        -1, 0, 1, 2, 3, 9, 10, 99, 127, 65535, Int64(Int32.max), Int64(Int32.min), 4_000_000_000, Int64.max, Int64.min,
    ]
    static let interestingDoubles: [Double] = [
        0, 1, 0.5, -1, -0.0, 2, .nan, .infinity, -.infinity, 1e308, -1e308, Double.leastNonzeroMagnitude, 1e9, 3,
    ]

    private func attributeValue(_ random: inout FuzzRandom) -> HDF5AttributeValue {
        switch random.below(3) {
        case 0: return .integer(random.pick(Self.interestingIntegers))
        case 1: return .double(random.pick(Self.interestingDoubles))
        default:
            return .string(
                random.pick([
                    "", "complete", "running", "failed", "interrupted", "cl-bench/1", "x", "..",
                    String(repeating: "a", count: 5000), "é\u{0}b",
                ]))
        }
    }
}
