import CLData
import Foundation
import HDF5Kit

/// A feature-cache entry being computed: `train/x` and `test/x` grow chunk by chunk and are
/// flushed after each, so that an extraction that is interrupted (Ctrl-C, a killed job, a
/// full disk) resumes at the first missing image instead of starting again. On a shared
/// two-core machine the 60,000 CIFAR images at 224 px take from twenty minutes to hours.
///
/// The file is `<entry>.partial`; its `key_description` attribute must equal the entry's,
/// or it is started afresh. When every row is there, `finish` adds the labels and renames
/// it to the entry's name, which is the only moment the entry becomes visible to readers.
final class PartialFeatureEntry {
    let path: String
    let file: HDF5File
    let dimension: Int

    /// Opens the partial file of `entry` for `description`, or creates it. Throws when it
    /// cannot be written (another run holds it: HDF5 locks files open for writing).
    init(entry: String, description: String, dimension: Int) throws {
        path = entry + ".partial"
        self.dimension = dimension
        if let existing = try? HDF5File.open(path, writable: true),
            case .string(let text)? = try? existing.attribute("key_description"), text == description,
            (try? existing.shape(of: "/train/x"))?.last == dimension,
            (try? existing.shape(of: "/test/x"))?.last == dimension
        {
            file = existing
            return
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        file = try HDF5File.create(path)
        try file.setAttribute("key_description", .string(description))
        for split in ["train", "test"] {
            try file.createDataset(
                Float.self, shape: [0, dimension], at: "/\(split)/x", extendable: true, chunkRows: 256)
        }
        try file.flush()
    }

    /// The rows of `split` computed so far (row-major, `dimension` per row).
    func rows(_ split: String) throws -> [Float] {
        guard try file.shape(of: "/\(split)/x")[0] > 0 else { return [] }
        return try file.read(Float.self, at: "/\(split)/x").values
    }

    /// Appends rows to `split` and flushes them to disk.
    func append(_ values: [Float], to split: String) throws {
        try file.append(values, at: "/\(split)/x")
        try file.flush()
    }

    /// Adds labels and metadata, closes the file and renames it to `entry`.
    func finish(_ dataset: Dataset, entry: String, attributes: [String: String]) throws {
        for (name, split) in [("train", dataset.train), ("test", dataset.test)] {
            try file.write(split.labels, shape: [split.count], at: "/\(name)/y")
        }
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(key, .string(value)) }
        try file.setAttribute("class_names", .string(dataset.classNames.joined(separator: "\n")))
        try file.flush()
        file.close()
        _ = try? FileManager.default.removeItem(atPath: entry)
        try FileManager.default.moveItem(atPath: path, toPath: entry)
    }
}
