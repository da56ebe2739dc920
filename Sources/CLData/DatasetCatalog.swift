import Foundation

/// Where a named dataset's files are, once found.
public enum DatasetLocation: Sendable, Equatable {
    /// MNIST-like IDX files in this folder.
    case idx(directory: String)
    /// The official `cifar-10-batches-bin` folder.
    case cifar10Binary(directory: String)
    /// The official `cifar-100-binary` folder.
    case cifar100Binary(directory: String)
    /// An image folder or a .tar.gz/.tgz/.tar/.zip archive of one.
    case imageFolder(path: String)
    /// The Omniglot background sets (zips or unpacked folders).
    case omniglot(paths: [String])
    /// Precomputed embeddings (`FeatureFileReader`).
    case features(path: String)
}

/// Resolves dataset names to files and loads them.
///
/// Lookup order: the explicit data folders (`--data-dir`, in the order given), then
/// `$CL_BENCH_DATA` (one folder, or several separated by ':'), then `~/.cache/cl-bench`;
/// "fashion-mnist" also falls back to `/usr/share/datasets/fashion-mnist` (Debian's
/// `dataset-fashion-mnist`). In each folder the files may sit directly or in a subfolder
/// named after the dataset (`<dir>/mnist/*.gz`, the shared layout). A name that is not a
/// known dataset but an existing path is read as an image folder or archive.
public struct DatasetCatalog: Sendable {
    /// The dataset names the catalog knows (besides paths).
    public static let knownNames = ["mnist", "fashion-mnist", "cifar10", "cifar100", "omniglot", "features"]

    /// Explicit data folders (`--data-dir`), searched first.
    public var dataDirectories: [String]
    /// Environment used for `CL_BENCH_DATA` and `CL_BENCH_CACHE`.
    public var environment: [String: String]
    /// Home folder, for `~/.cache/cl-bench`.
    public var homeDirectory: String
    /// Where decoded image folders are cached as HDF5; default `$CL_BENCH_CACHE`, else
    /// `~/.cache/cl-bench/decoded`. Nil disables the cache.
    public var cacheDirectory: String?
    /// Receives one-line notes (decode times, cache hits and failures to write the cache).
    public var log: (@Sendable (String) -> Void)?

    public init(
        dataDirectories: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory(), cacheDirectory: String? = nil,
        log: (@Sendable (String) -> Void)? = nil
    ) {
        self.dataDirectories = dataDirectories
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.cacheDirectory =
            cacheDirectory ?? environment["CL_BENCH_CACHE"]
            ?? ((homeDirectory as NSString).appendingPathComponent(".cache/cl-bench/decoded"))
        self.log = log
    }

    /// The folders searched, in order.
    public var searchDirectories: [String] {
        var folders = dataDirectories
        if let fromEnvironment = environment["CL_BENCH_DATA"] {
            folders += fromEnvironment.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        folders.append((homeDirectory as NSString).appendingPathComponent(".cache/cl-bench"))
        return folders
    }

    /// Where `cl-bench data fetch` puts downloads: the first searched folder (the first
    /// `--data-dir`, else the first `$CL_BENCH_DATA` folder, else `~/.cache/cl-bench`), so
    /// that the catalog finds them without further flags.
    public var fetchDirectory: String { searchDirectories[0] }

    /// The canonical name of a dataset ("CIFAR-10" -> "cifar10"), or nil for paths.
    public static func canonicalName(_ name: String) -> String? {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "mnist": return "mnist"
        case "fashion-mnist", "fashionmnist": return "fashion-mnist"
        case "cifar10", "cifar-10": return "cifar10"
        case "cifar100", "cifar-100": return "cifar100"
        case "omniglot": return "omniglot"
        case "features": return "features"
        default: return nil
        }
    }

    /// Finds the files of `name`; a missing dataset is an InputError saying which files to
    /// put where (or which command fetches them).
    public func locate(_ name: String) throws -> DatasetLocation {
        guard let canonical = Self.canonicalName(name) else {
            if FileManager.default.fileExists(atPath: name) {
                let lower = name.lowercased()
                if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".npz") {
                    return .features(path: name)
                }
                return .imageFolder(path: name)
            }
            throw InputError(
                file: name,
                "unknown dataset: not one of \(Self.knownNames.joined(separator: ", ")) and not an existing image "
                    + "folder or archive"
            )
        }
        if canonical == "features" {
            throw InputError(
                file: "", "dataset 'features' needs path: the .h5 or .npz file with train/x, train/y, test/x, test/y")
        }
        let folders = searchDirectories
        func candidates(_ subfolders: [String]) -> [String] {
            folders.flatMap { folder in
                subfolders.map { ($0.isEmpty ? folder : (folder as NSString).appendingPathComponent($0)) }
            }
        }
        switch canonical {
        case "mnist", "fashion-mnist":
            var places = candidates([canonical, ""])
            if canonical == "fashion-mnist" { places.append("/usr/share/datasets/fashion-mnist") }
            if let found = places.first(where: { IDXReader.locateFiles(in: $0) != nil }) {
                return .idx(directory: found)
            }
            throw missing(canonical, files: IDXReader.expectedFileNames, subfolder: canonical)
        case "cifar10":
            let binary = candidates(["cifar-10-batches-bin", "cifar10/cifar-10-batches-bin", "cifar10", ""])
            if let found = binary.first(where: CIFARBinaryReader.isCIFAR10Directory) {
                return .cifar10Binary(directory: found)
            }
            let jpeg = candidates([
                "cifar10-jpg-q75.tar.gz", "cifar10/cifar10-jpg-q75.tar.gz", "cifar10-jpg", "cifar10/cifar10-jpg",
            ])
            if let found = jpeg.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                return .imageFolder(path: found)
            }
            throw missing(
                canonical,
                files: [
                    "cifar-10-batches-bin/{data_batch_1..5.bin, test_batch.bin, batches.meta.txt}",
                    "or cifar10-jpg-q75.tar.gz",
                ], subfolder: nil)
        case "cifar100":
            let binary = candidates(["cifar-100-binary", "cifar100/cifar-100-binary", "cifar100", ""])
            if let found = binary.first(where: CIFARBinaryReader.isCIFAR100Directory) {
                return .cifar100Binary(directory: found)
            }
            throw missing(
                canonical, files: ["cifar-100-binary/{train.bin, test.bin, fine_label_names.txt}"], subfolder: nil)
        default:  // omniglot
            for place in candidates(["omniglot", ""]) {
                let parts = ["images_background_small1", "images_background_small2"].compactMap { stem -> String? in
                    let zip = (place as NSString).appendingPathComponent(stem + ".zip")
                    if FileManager.default.fileExists(atPath: zip) { return zip }
                    let folder = (place as NSString).appendingPathComponent(stem)
                    return FileManager.default.fileExists(atPath: folder) ? folder : nil
                }
                if parts.count == 2 { return .omniglot(paths: parts) }
            }
            throw missing(canonical, files: OmniglotReader.archiveNames, subfolder: "omniglot")
        }
    }

    /// The error for a dataset found nowhere: what to put where, and how to fetch it.
    private func missing(_ name: String, files: [String], subfolder: String?) -> InputError {
        let folders = searchDirectories.map { folder in
            subfolder.map { (folder as NSString).appendingPathComponent($0) } ?? folder
        }
        let fetchable = DatasetFetcher.specifications[name] != nil
        let hint =
            fetchable
            ? ", or run `cl-bench data fetch \(name)`"
            : " (no automatic download: get the files from the dataset's official page)"
        return InputError(
            file: folders.first ?? "",
            "dataset '\(name)' not found: put \(files.joined(separator: ", ")) into one of "
                + "\(folders.joined(separator: ", ")) (set with --data-dir or CL_BENCH_DATA)\(hint)"
        )
    }

    /// Locates and loads `name`. Image folders and Omniglot go through the decode cache
    /// when `options.useCache` is set and `cacheDirectory` is not nil.
    public func load(_ name: String, options: DatasetOptions = DatasetOptions()) throws -> Dataset {
        try options.validate()
        if Self.canonicalName(name) == "features", let path = options.path {
            return try FeatureFileReader.load(path: path, name: "features")
        }
        return try load(name: name, location: try locate(name), options: options)
    }

    private func load(name: String, location: DatasetLocation, options: DatasetOptions) throws -> Dataset {
        let canonical = Self.canonicalName(name)
        switch location {
        case .idx(let directory):
            let classNames = canonical == "fashion-mnist" ? Self.fashionClassNames : (0..<10).map(String.init)
            return try IDXReader.loadDataset(directory: directory, name: canonical ?? name, classNames: classNames)
        case .cifar10Binary(let directory):
            return try CIFARBinaryReader.loadCIFAR10(directory: directory)
        case .cifar100Binary(let directory):
            return try CIFARBinaryReader.loadCIFAR100(directory: directory)
        case .imageFolder(let path):
            let datasetName = canonical ?? Self.stem(of: path)
            return try cached(sources: [path], kind: "image-folder", name: datasetName, options: options) {
                try ImageFolderReader.load(path, name: datasetName, options: options)
            }
        case .omniglot(let paths):
            return try cached(sources: paths, kind: "omniglot", name: "omniglot", options: options) {
                try OmniglotReader.load(paths, options: options)
            }
        case .features(let path):
            return try FeatureFileReader.load(path: path, name: "features")
        }
    }

    /// Runs `decode` through the HDF5 decode cache (when enabled), logging what happened.
    private func cached(
        sources: [String], kind: String, name: String, options: DatasetOptions, decode: () throws -> Dataset
    ) throws -> Dataset {
        let start = Date()
        guard options.useCache, let cacheDirectory else {
            let dataset = try decode()
            log?("decoded \(name) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s (cache off)")
            return dataset
        }
        let cache = DecodeCache(directory: cacheDirectory)
        let key = try cache.key(sources: sources, kind: kind, options: options)
        if let dataset = cache.read(key: key, name: name, source: sources.joined(separator: ", ")) {
            log?(
                "read \(name) from the decode cache \(cache.path(for: key)) in "
                    + "\(String(format: "%.2f", Date().timeIntervalSince(start))) s"
            )
            return dataset
        }
        let dataset = try decode()
        let decodeSeconds = Date().timeIntervalSince(start)
        do {
            try cache.write(dataset, key: key)
            log?("decoded \(name) in \(String(format: "%.1f", decodeSeconds)) s; cached at \(cache.path(for: key))")
        } catch {
            log?(
                "decoded \(name) in \(String(format: "%.1f", decodeSeconds)) s; could not write the decode cache: "
                    + "\(error)"
            )
        }
        return dataset
    }

    static func stem(of path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for suffix in [".tar.gz", ".tgz", ".tar", ".zip"] where name.lowercased().hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
        }
        return name
    }

    public static let fashionClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
}
