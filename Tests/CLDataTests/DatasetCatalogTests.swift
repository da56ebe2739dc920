import Foundation
import Testing
@testable import CLData

@Suite struct DatasetCatalogTests {
    /// Writes a tiny MNIST-like dataset (2 train, 1 test image of 2x2) whose first pixel is `marker`.
    func writeIDX(_ folder: TemporaryFolder, under subfolder: String, marker: UInt8, dotted: Bool = false) {
        let separator = dotted ? "." : "-"
        let prefix = subfolder.isEmpty ? "" : subfolder + "/"
        folder.write(
            "\(prefix)train-images\(separator)idx3-ubyte.gz",
            Gzip.compress(idxBytes(shape: [2, 2, 2], values: [marker, 0, 0, 0, 1, 1, 1, 1])))
        folder.write(
            "\(prefix)train-labels\(separator)idx1-ubyte.gz", Gzip.compress(idxBytes(shape: [2], values: [0, 1])))
        folder.write("\(prefix)t10k-images\(separator)idx3-ubyte", idxBytes(shape: [1, 2, 2], values: [9, 9, 9, 9]))
        folder.write("\(prefix)t10k-labels\(separator)idx1-ubyte", idxBytes(shape: [1], values: [1]))
    }

    func firstPixel(_ dataset: Dataset) -> UInt8? {
        guard case .bytes(let pixels) = dataset.train.storage else { return nil }
        return pixels.first
    }

    @Test func explicitFoldersComeBeforeTheEnvironmentAndTheHomeCache() throws {
        let explicit = TemporaryFolder(), environment = TemporaryFolder(), home = TemporaryFolder()
        writeIDX(explicit, under: "mnist", marker: 1)
        writeIDX(environment, under: "", marker: 2, dotted: true)
        writeIDX(home, under: ".cache/cl-bench/mnist", marker: 3)
        func catalog(_ folders: [String], _ env: [String: String]) -> DatasetCatalog {
            DatasetCatalog(dataDirectories: folders, environment: env, homeDirectory: home.path, cacheDirectory: nil)
        }
        #expect(firstPixel(try catalog([explicit.path], ["CL_BENCH_DATA": environment.path]).load("mnist")) == 1)
        #expect(firstPixel(try catalog([], ["CL_BENCH_DATA": "/nonexistent:" + environment.path]).load("MNIST")) == 2)
        #expect(firstPixel(try catalog([], [:]).load("mnist")) == 3)
        #expect(try catalog([explicit.path], [:]).locate("mnist") == .idx(directory: explicit.sub("mnist")))
        #expect(catalog([explicit.path], ["CL_BENCH_DATA": environment.path]).fetchDirectory == explicit.path)
        #expect(catalog([], ["CL_BENCH_DATA": environment.path]).fetchDirectory == environment.path)
        #expect(catalog([], [:]).fetchDirectory == home.path + "/.cache/cl-bench")
    }

    @Test func missingDatasetSaysWhatToPutWhere() {
        let empty = TemporaryFolder(), home = TemporaryFolder()
        let catalog = DatasetCatalog(
            dataDirectories: [empty.path], environment: [:], homeDirectory: home.path, cacheDirectory: nil)
        do {
            _ = try catalog.load("mnist")
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.message.contains("train-images-idx3-ubyte.gz"))
            #expect(error.message.contains(empty.sub("mnist")))
            #expect(error.message.contains(home.path + "/.cache/cl-bench/mnist"))
            #expect(error.message.contains("cl-bench data fetch mnist"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(
            expectInputError(fileContains: "", messageContains: "images_background_small1.zip") {
                _ = try catalog.load("omniglot")
            })
        #expect(
            expectInputError(fileContains: "", messageContains: "cifar-100-binary") { _ = try catalog.load("cifar100") }
        )
        #expect(
            expectInputError(fileContains: "no-such-thing", messageContains: "unknown dataset") {
                _ = try catalog.load("no-such-thing")
            })
    }

    @Test func cifar10PrefersTheBinaryFilesOverTheJPEGCopy() throws {
        let folder = TemporaryFolder(), home = TemporaryFolder()
        folder.write("cifar10-jpg-q75.tar.gz", [0x1f, 0x8b])
        let catalog = DatasetCatalog(
            dataDirectories: [folder.path], environment: [:], homeDirectory: home.path, cacheDirectory: nil)
        #expect(try catalog.locate("cifar10") == .imageFolder(path: folder.sub("cifar10-jpg-q75.tar.gz")))
        for name in CIFARBinaryReader.cifar10TrainFiles + [CIFARBinaryReader.cifar10TestFile] {
            folder.write("cifar-10-batches-bin/" + name, [UInt8](repeating: 0, count: 3073))
        }
        #expect(try catalog.locate("cifar-10") == .cifar10Binary(directory: folder.sub("cifar-10-batches-bin")))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
            "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func fashionMNISTFallsBackToTheDebianPackage() throws {
        let home = TemporaryFolder()
        let catalog = DatasetCatalog(
            dataDirectories: [], environment: [:], homeDirectory: home.path, cacheDirectory: nil)
        #expect(try catalog.locate("fashion-mnist") == .idx(directory: "/usr/share/datasets/fashion-mnist"))
        #expect(expectInputError(fileContains: "", messageContains: "mnist") { _ = try catalog.locate("mnist") })
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets"))
    func sharedFolderLayoutResolves() throws {
        let shared = try #require(sharedDatasets)
        let home = TemporaryFolder()
        let catalog = DatasetCatalog(
            dataDirectories: [shared], environment: [:], homeDirectory: home.path, cacheDirectory: nil)
        #expect(try catalog.locate("mnist") == .idx(directory: shared + "/mnist"))
        #expect(try catalog.locate("cifar10") == .imageFolder(path: shared + "/cifar10-jpg-q75.tar.gz"))
        #expect(
            try catalog.locate("omniglot")
                == .omniglot(paths: OmniglotReader.archiveNames.map { shared + "/omniglot/" + $0 }))
    }

    @Test func decodeCacheServesTheSecondLoadAndNoticesChanges() throws {
        let data = TemporaryFolder(), cache = TemporaryFolder()
        let png = { (seed: Int) in ImageEncoder.png(smoothImage(seed: seed))! }
        data.write("toy/train/a/1.png", png(1))
        data.write("toy/train/b/1.png", png(2))
        data.write("toy/test/a/1.png", png(3))
        let notes = NoteCollector()
        let catalog = DatasetCatalog(
            dataDirectories: [], environment: [:], homeDirectory: data.path, cacheDirectory: cache.path,
            log: { notes.add($0) })
        let first = try catalog.load(data.sub("toy"))
        #expect(notes.last?.hasPrefix("decoded toy") == true)
        let second = try catalog.load(data.sub("toy"))
        #expect(notes.last?.hasPrefix("read toy from the decode cache") == true)
        #expect(
            second.classNames == first.classNames && second.train.labels == first.train.labels
                && second.train.sampleShape == first.train.sampleShape)
        guard case .bytes(let a) = first.train.storage, case .bytes(let b) = second.train.storage else {
            Issue.record("bytes"); return
        }
        #expect(a == b)
        // A changed source file (new content and size) is decoded again, not served stale.
        data.write("toy/train/b/1.png", ImageEncoder.png(smoothImage(seed: 9, width: 8))! + [0, 0, 0])
        let third = try catalog.load(data.sub("toy"))
        #expect(notes.last?.hasPrefix("decoded toy") == true)
        guard case .bytes(let c) = third.train.storage else { Issue.record("train split is not byte storage"); return }
        #expect(Array(c[144...]) == smoothImage(seed: 9).pixels)
        // Other options are another entry.
        _ = try catalog.load(data.sub("toy"), options: DatasetOptions(resize: 4))
        #expect(notes.last?.hasPrefix("decoded toy") == true)
        // A damaged cache file is ignored and rewritten.
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".h5") }
        #expect(files.count == 3)
        for file in files { cache.write(file, [1, 2, 3]) }
        _ = try catalog.load(data.sub("toy"))
        #expect(notes.last?.hasPrefix("decoded toy") == true)
    }
}

final class NoteCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func add(_ note: String) { lock.lock(); notes.append(note); lock.unlock() }
    var last: String? { lock.lock(); defer { lock.unlock() }; return notes.last }
}
