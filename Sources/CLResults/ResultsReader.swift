import Foundation
import HDF5Kit

/// Reads results files (schema `cl-bench/1`) into `RunRecord`s.
public enum ResultsReader {
    /// Reads one results file. A file of another schema, or not HDF5 at all, is an
    /// `InputError` naming the file.
    public static func read(_ path: String) throws -> RunRecord {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let error as HDF5Error {
            throw InputError(
                file: path,
                error.message == "not an HDF5 file" ? "not a cl-bench results file (not HDF5)" : error.message)
        }
        defer { file.close() }
        do {
            guard let schema = try file.attribute("schema")?.stringValue else {
                throw InputError(file: path, "not a cl-bench results file (no schema attribute)")
            }
            guard schema == RunEnvironment.schema else {
                throw InputError(
                    file: path, "results schema '\(schema)' is not the '\(RunEnvironment.schema)' this version reads")
            }
            var record = try SchemaCheckedFile(file: file, path: path).record()
            record.prototypes = try prototypes(in: file, path: path, learner: record.learner)
            return record
        } catch let error as HDF5Error {
            throw InputError(file: path, "damaged results file: \(error.message)")
        }
    }

    /// The decoded prototypes a prototype learner recorded, if any (see `PrototypeRecord`).
    /// Shapes are checked (the report turns them into pictures): [m, C, H, W] images with
    /// C of 1 or 3, one class per prototype, spreads of the same count.
    static func prototypes(in file: HDF5File, path: String, learner: String) throws -> PrototypeRecord? {
        let group = "/learner/\(learner)"
        guard file.exists("\(group)/prototype_images"), file.exists("\(group)/prototype_classes") else { return nil }
        func images(_ name: String) throws -> (rows: [[Float]], shape: [Int])? {
            guard file.exists("\(group)/\(name)") else { return nil }
            let (values, shape) = try file.read(Float.self, at: "\(group)/\(name)")
            guard let count = shape.first, count > 0 else { return ([], Array(shape.dropFirst())) }
            let size = values.count / count
            return (
                stride(from: 0, to: values.count, by: size).map { Array(values[$0..<($0 + size)]) },
                Array(shape.dropFirst())
            )
        }
        guard let decoded = try images("prototype_images") else { return nil }
        func bad(_ name: String, _ message: String) -> InputError {
            InputError(file: path, "damaged results file: \(group)/\(name): \(message)")
        }
        guard decoded.shape.count == 3, [1, 3].contains(decoded.shape[0]), decoded.shape[1] > 0,
            decoded.shape[1] <= 4096,
            decoded.shape[2] > 0, decoded.shape[2] <= 4096
        else {
            throw bad(
                "prototype_images",
                "expected [prototypes, 1 or 3 channels, height, width], got [\(decoded.rows.count)] + \(decoded.shape)")
        }
        let classes = try file.read(Float.self, at: "\(group)/prototype_classes").values.map {
            $0.isFinite ? Int($0) : -1
        }
        guard classes.count == decoded.rows.count, classes.allSatisfy({ $0 >= 0 }) else {
            throw bad("prototype_classes", "expected \(decoded.rows.count) non-negative class ids")
        }
        let spread =
            file.exists("\(group)/prototype_spread")
            ? try file.read(Float.self, at: "\(group)/prototype_spread").values.map(Double.init) : nil
        if let spread, spread.count != classes.count {
            throw bad("prototype_spread", "expected \(classes.count) values")
        }
        if let spreadImages = try images("prototype_spread_images"),
            spreadImages.rows.count != classes.count || spreadImages.shape != decoded.shape
        {
            throw bad("prototype_spread_images", "expected the shape of prototype_images")
        }
        return PrototypeRecord(
            imageShape: decoded.shape, images: decoded.rows, classes: classes,
            spreadImages: try images("prototype_spread_images")?.rows, spread: spread)
    }

    /// The weights a learner left in a results file (`/learner/<learner>/weights/`), by
    /// name; empty when it saved none. (`weights(_:learner:)` in CLRun gives them as tensors,
    /// ready for `loadStateDictionary`.)
    public static func storedWeights(_ path: String, learner: String) throws -> [String: StoredArray] {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let error as HDF5Error {
            throw InputError(file: path, error.message)
        }
        defer { file.close() }
        let group = "/learner/\(learner)/weights"
        guard file.exists(group) else { return [:] }
        var result: [String: StoredArray] = [:]
        do {
            for name in try file.members(of: group) {
                let (values, shape) = try file.read(Float.self, at: "\(group)/\(name)")
                result[name] = StoredArray(shape: shape, scalars: values)
            }
        } catch let error as HDF5Error {
            throw InputError(file: path, "damaged weights: \(error.message)")
        }
        return result
    }

    /// `records(in:)`, where finding no results file at all is bad input (report, export
    /// and baseline write have nothing to work on).
    public static func atLeastOneRecord(
        in paths: [String], mixedConfigurations: MixedConfigurations = .refuse
    ) throws -> [RunRecord] {
        let found = try records(in: paths, mixedConfigurations: mixedConfigurations)
        guard !found.isEmpty else {
            throw InputError(file: paths.joined(separator: " "), "no results files (*.h5) found")
        }
        return found
    }

    /// Reads every results file in `paths`: files as given, folders searched recursively
    /// for `*.h5`, in sorted path order, each file once however many paths name it. A path
    /// that does not exist is an `InputError`; so are runs of one label with different
    /// configurations, unless `mixedConfigurations` splits them apart.
    public static func records(
        in paths: [String], mixedConfigurations: MixedConfigurations = .refuse
    ) throws -> [RunRecord] {
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
        var seen = Set<String>()
        let unique = files.filter { seen.insert(URL(fileURLWithPath: $0).resolvingSymlinksInPath().path).inserted }
        return try mixedConfigurations.apply(to: unique.map(read))
    }
}
