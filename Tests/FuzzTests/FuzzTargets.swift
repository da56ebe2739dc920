import CLData
import CLReport
import Foundation
import HDF5Kit
#if canImport(Glibc)
    import Glibc
#endif
@testable import CLData
@testable import CLConfig
@testable import CLResults

/// The readers under fuzzing, each as "bytes in, value or InputError out", followed by
/// what a command does next with the value (a protocol's stream is generated, a baseline
/// is checked and written back), so that a value a reader lets through cannot trap later.
enum FuzzTargets {
    /// 10 classes, 5 training and 3 test samples each, 2x2 pixels: streams are generated on
    /// it, never trained.
    static let tinyDataset: Dataset = {
        func split(_ perClass: Int) -> DataSplit {
            let labels = (0..<10).flatMap { c in Array(repeating: Int32(c), count: perClass) }
            return DataSplit(
                sampleShape: [1, 2, 2], storage: .bytes([UInt8](repeating: 7, count: labels.count * 4)), labels: labels)
        }
        return Dataset(
            name: "tiny", classNames: (0..<10).map { "c\($0)" }, train: split(5), test: split(3), source: "memory")
    }()

    static func protocolYAML(_ bytes: [UInt8]) throws {
        let spec = try ProtocolParser.parse(text: String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml")
        // As `cl-bench run` does: refuse absurd sizes first (64 MB here), then build the streams.
        try MemoryEstimate.check(spec, dataset: tinyDataset, protocolPath: "fuzz.yaml", availableBytes: 64 << 20)
        for seed in spec.seeds.prefix(2) {
            _ = try StreamGenerator.make(spec.stream, dataset: tinyDataset, seed: seed)
        }
    }

    /// A baseline is parsed, checked against results of its protocol and written back:
    /// what is written must read back as the same baseline.
    static func baselineYAML(_ bytes: [UInt8]) throws {
        let baseline = try Baseline.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        let records = (0..<3).map { seed in
            RunRecord(
                path: "r\(seed).h5", status: seed == 2 ? "failed" : "complete", protocolName: baseline.protocolName,
                learner: baseline.learners.first?.name ?? "nmc", seed: seed,
                metrics: ["final_accuracy": 0.5, "forgetting": 0.1, "bwt": -0.1, "average_incremental_accuracy": 0.6])
        }
        let result = try RegressionCheck.compare(records, with: baseline, baselineFile: "fuzz.yaml")
        _ = RegressionTable.render(result, baselineFile: "fuzz.yaml")
        let reread = try Baseline.parse(baseline.yamlText(), file: "rewritten.yaml")
        guard reread == baseline else { throw FuzzFinding("baseline does not survive being written and read back") }
    }

    /// A parity record is parsed, its rule applied to itself and to a results-file run of its
    /// learner, and the table rendered: nothing may trap on any record.
    static func parityYAML(_ bytes: [UInt8]) throws {
        let record = try ParityRecord.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        let tasks = record.authors.runs.first?.pooledAccuracy.count ?? 1
        let run = RunRecord(
            path: "r0.h5", status: "complete", protocolName: record.protocolName, learner: record.label, seed: 0,
            accuracyMatrix: Array(repeating: Array(repeating: 0.5, count: tasks), count: tasks + 1),
            pooledAccuracy: Array(repeating: 0.5, count: tasks),
            taskAwareAccuracy: Array(repeating: Array(repeating: 0.9, count: tasks), count: tasks + 1))
        for fresh in [nil, [run]] {
            let result = try ParityCheck.check(record, fresh: fresh, recordFile: "fuzz.yaml")
            _ = ParityTable.render(result, recordFile: "fuzz.yaml")
        }
    }

    static func idx(_ bytes: [UInt8]) throws {
        let plain = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, file: "fuzz.gz") : bytes
        _ = try IDXReader.parse(plain, file: "fuzz-idx")
    }

    /// CIFAR-10 and CIFAR-100 record files, and (small inputs) a class-names file, from the same bytes.
    static func cifar(_ bytes: [UInt8]) throws {
        let path = scratchFile("cifar.bin")
        writeQuickly(bytes, to: path)
        var refusals: [InputError] = []
        for (labelBytes, labelIndex, classes) in [(1, 0, 10), (2, 1, 100)] {
            do {
                _ = try CIFARBinaryReader.readRecords(
                    path, labelBytes: labelBytes, labelIndex: labelIndex, classCount: classes)
            } catch let error as InputError {
                refusals.append(error)
            }
        }
        // Class-name files are small text; decoding 6 KB records as text is slow in debug builds.
        if bytes.count <= 1024 {
            do { _ = try CIFARBinaryReader.readClassNames(path, expected: 10) } catch let error as InputError {
                refusals.append(error)
            }
        }
        if refusals.count == (bytes.count <= 1024 ? 3 : 2) { throw refusals[0] }
    }

    static func image(_ bytes: [UInt8]) throws {
        _ = try ImageDecoder.decode(bytes, file: "fuzz-image")
    }

    /// open/write/close: Foundation's file writes rename or sync, which made a 6 KB input
    /// cost 15 ms of waiting.
    static func writeQuickly(_ bytes: [UInt8], to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    static func scratchFile(_ name: String) -> String {
        (FuzzCampaign.findingsFolder as NSString).appendingPathComponent("scratch-\(getpid())-\(name)")
    }
}

/// A property a fuzz target checks that is not an input error (recorded as a finding).
struct FuzzFinding: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
