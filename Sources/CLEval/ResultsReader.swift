import CLData
import CLTensor
import Foundation
import HDF5Kit

/// Reads results files (schema `cl-bench/1`) into `RunRecord`s.
public enum ResultsReader {
    /// Reads one results file. A file of another schema, or not HDF5 at all, is an
    /// `InputError` naming the file.
    public static func read(_ path: String) throws -> RunRecord {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let error as HDF5Error {
            throw InputError(file: path, error.message == "not an HDF5 file" ? "not a cl-bench results file (not HDF5)" : error.message)
        }
        defer { file.close() }
        do {
            guard let schema = try file.attribute("schema")?.stringValue else {
                throw InputError(file: path, "not a cl-bench results file (no schema attribute)")
            }
            guard schema == RunEnvironment.schema else {
                throw InputError(file: path, "results schema '\(schema)' is not the '\(RunEnvironment.schema)' this version reads")
            }
            func text(_ name: String) throws -> String { try file.attribute(name)?.stringValue ?? "" }
            func matrix(_ objectPath: String) throws -> [[Double]]? {
                guard file.exists(objectPath) else { return nil }
                let (values, shape) = try file.read(Double.self, at: objectPath)
                guard shape.count == 2, shape[1] > 0 else { return shape.count == 2 ? Array(repeating: [], count: shape[0]) : nil }
                return stride(from: 0, to: values.count, by: shape[1]).map { Array(values[$0..<($0 + shape[1])]) }
            }
            func vector(_ objectPath: String) throws -> [Double] {
                guard file.exists(objectPath) else { return [] }
                return try file.read(Double.self, at: objectPath).values
            }
            func integers(_ objectPath: String) throws -> [Int] {
                guard file.exists(objectPath) else { return [] }
                return try file.read(Int32.self, at: objectPath).values.map { Int($0) }
            }

            let completed = Int(try file.attribute("completed_tasks")?.integerValue ?? 0)
            let taskClasses = (try matrix("/stream/task_classes") ?? []).map { row in row.filter { $0 >= 0 }.map { Int($0) } }
            var metrics: [String: Double] = [:]
            if file.exists("/metrics") {
                for key in try file.attributeNames(at: "/metrics") {
                    metrics[key] = try file.attribute(key, at: "/metrics")?.doubleValue
                }
            }
            var record = RunRecord(
                path: path,
                status: try text("status"),
                error: try file.attribute("error")?.stringValue,
                protocolName: try text("protocol_name"),
                protocolYAML: try text("protocol_yaml"),
                learner: try text("learner"),
                learnerConfig: try text("learner_config"),
                seed: Int(try file.attribute("seed")?.integerValue ?? -1),
                startedAt: try text("started_at"),
                finishedAt: try file.attribute("finished_at")?.stringValue,
                harnessVersion: try text("harness_version"),
                gitCommit: try text("git_commit"),
                host: try text("host"),
                blasCore: try text("blas_core"),
                blasThreads: Int(try file.attribute("blas_threads")?.integerValue ?? 0),
                peakRSSBytes: (try file.attribute("peak_rss_bytes")?.integerValue).map { Int($0) },
                streamKind: try text("stream_kind"),
                classOrder: try integers("/stream/class_order"),
                taskClasses: taskClasses,
                trainCounts: try integers("/stream/train_counts"),
                testCounts: try integers("/stream/test_counts"),
                accuracyMatrix: try matrix("/eval/accuracy_matrix") ?? [],
                pooledAccuracy: Array(try vector("/eval/pooled_accuracy").prefix(completed)),
                taskAwareAccuracy: try matrix("/eval/task_aware_accuracy"),
                fscilAccuracy: try matrix("/eval/fscil_accuracy").map { Array($0.prefix(completed)) },
                metrics: metrics,
                trainSeconds: Array(try vector("/timing/train_seconds").prefix(completed)),
                evalSeconds: Array(try vector("/timing/eval_seconds").prefix(completed)))
            if file.exists("/eval/uncertainty/ece") {
                func optional(_ name: String) throws -> [Double]? {
                    file.exists("/eval/uncertainty/\(name)") ? try vector("/eval/uncertainty/\(name)") : nil
                }
                record.uncertainty = UncertaintyRecord(
                    entropySeen: try vector("/eval/uncertainty/entropy_seen"), entropyUnseen: try vector("/eval/uncertainty/entropy_unseen"),
                    aurocUnseen: try vector("/eval/uncertainty/auroc_unseen"), ece: try vector("/eval/uncertainty/ece"),
                    mutualInformationSeen: try optional("mutual_information_seen"),
                    mutualInformationUnseen: try optional("mutual_information_unseen"),
                    reliability: try matrix("/eval/uncertainty/reliability") ?? [])
            }
            record.prototypes = try prototypes(in: file, learner: record.learner)
            record.learnerType = try text("learner_type")
            record.convolutionKernels = try text("conv_kernels")
            return record
        } catch let error as HDF5Error {
            throw InputError(file: path, "damaged results file: \(error.message)")
        }
    }

    /// The decoded prototypes a prototype learner recorded, if any (see `PrototypeRecord`).
    static func prototypes(in file: HDF5File, learner: String) throws -> PrototypeRecord? {
        let group = "/learner/\(learner)"
        guard file.exists("\(group)/prototype_images"), file.exists("\(group)/prototype_classes") else { return nil }
        func images(_ name: String) throws -> (rows: [[Float]], shape: [Int])? {
            guard file.exists("\(group)/\(name)") else { return nil }
            let (values, shape) = try file.read(Float.self, at: "\(group)/\(name)")
            guard let count = shape.first, count > 0 else { return ([], Array(shape.dropFirst())) }
            let size = values.count / count
            return (stride(from: 0, to: values.count, by: size).map { Array(values[$0..<($0 + size)]) }, Array(shape.dropFirst()))
        }
        guard let decoded = try images("prototype_images") else { return nil }
        let classes = try file.read(Float.self, at: "\(group)/prototype_classes").values.map { Int($0) }
        let spread = file.exists("\(group)/prototype_spread")
            ? try file.read(Float.self, at: "\(group)/prototype_spread").values.map(Double.init) : nil
        return PrototypeRecord(imageShape: decoded.shape, images: decoded.rows, classes: classes,
                               spreadImages: try images("prototype_spread_images")?.rows, spread: spread)
    }

    /// The weights a learner left in a results file (`/learner/<learner>/weights/`), by
    /// name, ready for `loadStateDictionary`; empty when it saved none.
    public static func weights(_ path: String, learner: String) throws -> [String: Tensor] {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let error as HDF5Error { throw InputError(file: path, error.message) }
        defer { file.close() }
        let group = "/learner/\(learner)/weights"
        guard file.exists(group) else { return [:] }
        var result: [String: Tensor] = [:]
        do {
            for name in try file.members(of: group) {
                let (values, shape) = try file.read(Float.self, at: "\(group)/\(name)")
                result[name] = Tensor(shape: shape, scalars: values)
            }
        } catch let error as HDF5Error {
            throw InputError(file: path, "damaged weights: \(error.message)")
        }
        return result
    }

    /// `records(in:)`, where finding no results file at all is bad input (report, export
    /// and baseline write have nothing to work on).
    public static func atLeastOneRecord(in paths: [String]) throws -> [RunRecord] {
        let found = try records(in: paths)
        guard !found.isEmpty else { throw InputError(file: paths.joined(separator: " "), "no results files (*.h5) found") }
        return found
    }

    /// Reads every results file in `paths`: files as given, folders searched recursively
    /// for `*.h5`, in sorted path order. A path that does not exist is an `InputError`.
    public static func records(in paths: [String]) throws -> [RunRecord] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw InputError(file: path, "no such file or folder")
            }
            if isFolder.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                var found: [String] = []
                while let relative = enumerator?.nextObject() as? String {
                    if relative.hasSuffix(".h5") { found.append((path as NSString).appendingPathComponent(relative)) }
                }
                files += found.sorted()
            } else {
                files.append(path)
            }
        }
        return try files.map(read)
    }
}
