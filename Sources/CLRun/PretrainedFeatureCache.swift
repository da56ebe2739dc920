import CLData
import CLLearners
import CLTensor
import Foundation
import HDF5Kit

/// Features of a dataset under a frozen pretrained backbone, computed once and kept as an
/// HDF5 file in the cache folder, so that every later run and learner on the same
/// (dataset, backbone, weights, resolution) reads them in a second instead of spending
/// minutes in the network (CIFAR-10 at 224 px is 60,000 forward passes).
///
/// The file has the layout of a `features` dataset (`train/x`, `train/y`, `test/x`,
/// `test/y`, see `FeatureFileReader`), so a user can also point a protocol at it. Entries
/// are keyed by a SHA-256 over the backbone kind, the weights file's SHA-256, the
/// resolution and a digest of every pixel and label of the dataset: a changed input gets a
/// new entry and is never served stale. Rows are appended to `<entry>.partial` as they are
/// computed (`PartialFeatureEntry`): an interrupted extraction resumes where it stopped,
/// and only a complete file is renamed to the entry's name.
public struct PretrainedFeatureCache {
    /// Bumped whenever the features for the same inputs would change.
    static let formatVersion = "cl-bench-features/1"
    /// Images per network call (memory: 256 x 3 x 32 x 32 floats in, 256 x 1280 out).
    static let chunk = 256

    /// Folder of the entries; nil computes without caching.
    public var directory: String?
    /// Where "imagenet" weights are looked up.
    public var catalog: DatasetCatalog
    /// One-line notes (cache hits, where the entry went).
    public var log: (String) -> Void
    /// Live progress while computing ("features 12800/60000 · 45.1 img/s · 17 min left").
    public var status: (String) -> Void

    public init(
        directory: String?, catalog: DatasetCatalog, log: @escaping (String) -> Void = { _ in },
        status: @escaping (String) -> Void = { _ in }
    ) {
        self.directory = directory
        self.catalog = catalog
        self.log = log
        self.status = status
    }

    /// The default folder: `features/` next to the decode cache (`$CL_BENCH_CACHE` or
    /// `~/.cache/cl-bench/decoded`).
    public static func defaultDirectory(catalog: DatasetCatalog) -> String? {
        catalog.cacheDirectory.map {
            (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("features")
        }
    }

    /// `dataset` with every image replaced by its feature vector under `backbone`.
    public func features(of dataset: Dataset, backbone: BackboneConfig) throws -> Dataset {
        var resolved = backbone
        resolved.weights = try PretrainedWeights.locate(
            network: backbone.kind, weights: backbone.weights ?? "imagenet", catalog: catalog)
        let weightsDigest = try DatasetFetcher.sha256(ofFile: resolved.weights!)
        let resolution = backbone.resolution ?? BackboneFactory.defaultResolution
        let description =
            "\(Self.formatVersion)\nkind=\(backbone.kind)\nweights=\(weightsDigest)\nresolution=\(resolution)\n"
            + "train=\(Self.digest(dataset.train))\ntest=\(Self.digest(dataset.test))\n"
        let key = String(SHA256.hexDigest(Array(description.utf8)).prefix(24))
        let file = directory.map {
            ($0 as NSString).appendingPathComponent("\(dataset.name)-\(backbone.kind)-\(resolution)px-\(key).h5")
        }
        if let file, FileManager.default.fileExists(atPath: file) {
            let start = Date()
            if let cached = try? FeatureFileReader.load(path: file, name: dataset.name),
                cached.train.labels == dataset.train.labels, cached.test.labels == dataset.test.labels
            {
                log(
                    String(
                        format: "read %@ features of %@ from the feature cache %@ in %.2f s", backbone.kind,
                        dataset.name, file, Date().timeIntervalSince(start)))
                return Dataset(
                    name: dataset.name, classNames: dataset.classNames, train: cached.train, test: cached.test,
                    source: dataset.source)
            }
            log("the feature cache entry \(file) is unreadable; computing it again")
        }
        let network = try BackboneFactory.makeFeatureExtractor(resolved, sampleShape: dataset.train.sampleShape)
        let dimension = network.featureDimension
        // Resumable when the cache is on: rows already in `<entry>.partial` are kept.
        var partial: PartialFeatureEntry? = nil
        if let file {
            do { partial = try PartialFeatureEntry(entry: file, description: description, dimension: dimension) } catch
            {
                log("cannot write \(file).partial (\(error)); computing without resuming")
            }
        }
        let start = Date()
        let total = dataset.train.count + dataset.test.count
        var done = 0, computed = 0
        func extract(_ split: DataSplit, _ name: String) throws -> DataSplit {
            var values: [Float] = []
            if let partial, let rows = try? partial.rows(name), rows.count <= split.count * dimension { values = rows }
            let resumed = values.count / dimension
            values.removeLast(values.count - resumed * dimension)
            if resumed > 0 {
                log(
                    "resuming \(backbone.kind) features of \(dataset.name) \(name): "
                        + "\(resumed) of \(split.count) images already computed"
                )
            }
            values.reserveCapacity(split.count * dimension)
            done += resumed
            for begin in stride(from: resumed, to: split.count, by: Self.chunk) {
                let end = min(begin + Self.chunk, split.count)
                let rows = network.features(of: split.batch(Array(begin..<end))).scalars
                values += rows
                if let entry = partial {
                    do { try entry.append(rows, to: name) } catch {
                        log("cannot extend \(entry.path) (\(error)); continuing without resuming")
                        partial = nil
                    }
                }
                done += end - begin
                computed += end - begin
                let elapsed = Date().timeIntervalSince(start), rate = Double(computed) / max(elapsed, 1e-9)
                let line = String(
                    format: "%@ features %d/%d images · %.1f img/s · %.0f s left", backbone.kind, done, total, rate,
                    Double(total - done) / rate)
                status(line)
                // A log line every tenth too, for runs whose output is not a terminal.
                if done * 10 / total != (done - (end - begin)) * 10 / total { log(line) }
            }
            return DataSplit(sampleShape: [dimension], storage: .floats(values), labels: split.labels)
        }
        let train = try extract(dataset.train, "train"), test = try extract(dataset.test, "test")
        let seconds = Date().timeIntervalSince(start)
        let result = Dataset(
            name: dataset.name, classNames: dataset.classNames, train: train, test: test, source: dataset.source)
        var note = String(
            format: "computed %@ features (%d px) of %d images in %.1f s (%.1f img/s)", backbone.kind, resolution,
            computed, seconds, Double(computed) / max(seconds, 1e-9))
        if let file {
            do {
                let attributes = [
                    "schema": Self.formatVersion, "weights_file": resolved.weights!, "dataset": dataset.name,
                    "source": dataset.source,
                ]
                if let partial {
                    try partial.finish(result, entry: file, attributes: attributes)
                } else {
                    try Self.write(result, to: file, description: description, weights: resolved.weights!)
                }
                note += "; cached at \(file)"
            } catch {
                note += "; could not write the feature cache: \(error)"
            }
        }
        log(note)
        return result
    }

    /// A stable 64-bit FNV-1a digest of a split's labels and values (bytes or floats).
    static func digest(_ split: DataSplit) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ buffer: UnsafeRawBufferPointer) {
            var h = hash
            var words = buffer.count / 8
            var offset = 0
            while words > 0 {
                h = (h ^ buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
                offset &+= 8
                words &-= 1
            }
            while offset < buffer.count { h = (h ^ UInt64(buffer[offset])) &* 0x100_0000_01b3; offset &+= 1 }
            hash = h
        }
        split.labels.withUnsafeBytes(mix)
        switch split.storage {
        case .bytes(let b): b.withUnsafeBytes(mix)
        case .floats(let f): f.withUnsafeBytes(mix)
        }
        return "\(split.sampleShape) \(split.count) " + String(hash, radix: 16)
    }

    static func write(_ dataset: Dataset, to file: String, description: String, weights: String) throws {
        let folder = (file as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw InputError(file: folder, "cannot create the feature cache folder: \(error.localizedDescription)")
        }
        let temporary = file + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            let h5 = try HDF5File.create(temporary)
            try h5.setAttribute("schema", .string(formatVersion))
            try h5.setAttribute("key_description", .string(description))
            try h5.setAttribute("weights_file", .string(weights))
            try h5.setAttribute("dataset", .string(dataset.name))
            try h5.setAttribute("source", .string(dataset.source))
            try h5.setAttribute("class_names", .string(dataset.classNames.joined(separator: "\n")))
            for (name, split) in [("train", dataset.train), ("test", dataset.test)] {
                guard case .floats(let values) = split.storage else { continue }
                try h5.write(values, shape: [split.count] + split.sampleShape, at: "/\(name)/x")
                try h5.write(split.labels, shape: [split.count], at: "/\(name)/y")
            }
            try h5.flush()
            h5.close()
            _ = try? FileManager.default.removeItem(atPath: file)
            try FileManager.default.moveItem(atPath: temporary, toPath: file)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw InputError(file: file, "cannot write the feature cache: \(error)")
        }
    }
}
