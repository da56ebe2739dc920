import Foundation
import HDF5Kit

/// Decoded image datasets kept as HDF5 (uint8 pixels, int32 labels) so that a second load
/// of an image folder or archive reads ~200 MB of bytes instead of decoding 60000 JPEGs.
///
/// Entries are keyed by a SHA-256 over the reader kind, the dataset options and, for every
/// source, its absolute path, size and modification time (for folders: of every file in
/// them), so a changed source gets a new key and is never served stale. Files are written
/// to a temporary name and renamed, so a killed run cannot leave a half-written entry.
public struct DecodeCache: Sendable {
    /// Bumped whenever the decoded bytes for the same inputs would change (decoder or layout).
    static let formatVersion = "cl-bench-decode-cache/2"

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The cache key of `sources` read by `kind` with `options`.
    public func key(sources: [String], kind: String, options: DatasetOptions) throws -> String {
        var description = "\(Self.formatVersion)\nkind=\(kind)\nresize=\(options.resize.map(String.init) ?? "none")\n"
        if kind == "omniglot" {
            description +=
                "test_per_class=\(options.testPerClass)\nsplit_seed=\(options.splitSeed)\ninvert=\(options.invert)\n"
        }
        for source in sources {
            let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
            description += "source=\(absolute)\n" + (try Self.fingerprint(absolute))
        }
        return String(SHA256.hexDigest(Array(description.utf8)).prefix(24))
    }

    /// Size and modification time of a file, or of every file under a folder.
    static func fingerprint(_ path: String) throws -> String {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, "not found")
        }
        func stamp(_ file: String) -> String {
            let attributes = (try? manager.attributesOfItem(atPath: file)) ?? [:]
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(size) \(modified)"
        }
        guard isDirectory.boolValue else { return stamp(path) + "\n" }
        var lines: [String] = []
        let enumerator = manager.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            lines.append(relative + " " + stamp((path as NSString).appendingPathComponent(relative)))
        }
        return lines.sorted().joined(separator: "\n") + "\n"
    }

    /// The file of entry `key`.
    public func path(for key: String) -> String { (directory as NSString).appendingPathComponent("decoded-\(key).h5") }

    /// The cached dataset, or nil when there is none (or it is unreadable: then it is
    /// decoded again and overwritten).
    public func read(key: String, name: String, source: String) -> Dataset? {
        let file = path(for: key)
        guard FileManager.default.fileExists(atPath: file), let h5 = try? HDF5File.open(file) else { return nil }
        defer { h5.close() }
        guard (try? h5.attribute("schema"))??.stringValue == Self.formatVersion,
            (try? h5.attribute("key"))??.stringValue == key,
            let namesText = (try? h5.attribute("class_names"))??.stringValue
        else { return nil }
        func split(_ group: String) -> DataSplit? {
            guard let (pixels, shape) = try? h5.read(UInt8.self, at: "/\(group)/images"), shape.count == 4,
                let (labels, labelShape) = try? h5.read(Int32.self, at: "/\(group)/labels"), labelShape == [shape[0]]
            else { return nil }
            return DataSplit(sampleShape: Array(shape.dropFirst()), storage: .bytes(pixels), labels: labels)
        }
        guard let train = split("train"), let test = split("test") else { return nil }
        let classNames = namesText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Dataset(name: name, classNames: classNames, train: train, test: test, source: source)
    }

    /// Stores `dataset` (byte images only) as entry `key`.
    public func write(_ dataset: Dataset, key: String) throws {
        guard case .bytes(let trainPixels) = dataset.train.storage, case .bytes(let testPixels) = dataset.test.storage
        else {
            throw InputError(file: directory, "only byte images can be cached")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: directory, "cannot create the decode cache folder: \(error.localizedDescription)")
        }
        let final = path(for: key)
        let temporary = final + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            let h5 = try HDF5File.create(temporary)
            try h5.setAttribute("schema", .string(Self.formatVersion))
            try h5.setAttribute("key", .string(key))
            try h5.setAttribute("name", .string(dataset.name))
            try h5.setAttribute("source", .string(dataset.source))
            try h5.setAttribute("class_names", .string(dataset.classNames.joined(separator: "\n")))
            try h5.write(trainPixels, shape: [dataset.train.count] + dataset.train.sampleShape, at: "/train/images")
            try h5.write(dataset.train.labels, shape: [dataset.train.count], at: "/train/labels")
            try h5.write(testPixels, shape: [dataset.test.count] + dataset.test.sampleShape, at: "/test/images")
            try h5.write(dataset.test.labels, shape: [dataset.test.count], at: "/test/labels")
            try h5.flush()
            h5.close()
            _ = try? FileManager.default.removeItem(atPath: final)
            try FileManager.default.moveItem(atPath: temporary, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw InputError(file: final, "cannot write the decode cache: \(error)")
        }
    }
}
