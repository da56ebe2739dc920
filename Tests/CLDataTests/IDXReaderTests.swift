import Foundation
import Testing
@testable import CLData

@Suite struct IDXReaderTests {
    /// Writes a 5-image 3x2 dataset under both spellings and compressions.
    func writeDataset(in folder: TemporaryFolder, dottedNames: Bool, gzip: Bool) -> (train: [UInt8], labels: [UInt8]) {
        let train = (0..<30).map { UInt8($0 * 7 % 256) }
        let labels: [UInt8] = [3, 1, 4, 1, 5]
        let separator = dottedNames ? "." : "-"
        func put(_ stem: String, _ rank: Int, _ bytes: [UInt8]) {
            folder.write("\(stem)\(separator)idx\(rank)-ubyte\(gzip ? ".gz" : "")", gzip ? Gzip.compress(bytes) : bytes)
        }
        put("train-images", 3, idxBytes(shape: [5, 3, 2], values: train))
        put("train-labels", 1, idxBytes(shape: [5], values: labels))
        put("t10k-images", 3, idxBytes(shape: [2, 3, 2], values: Array(train[0..<12])))
        put("t10k-labels", 1, idxBytes(shape: [2], values: [9, 0]))
        return (train, labels)
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func readsBothSpellingsRawAndGzip(dotted: Bool, gzip: Bool) throws {
        let folder = TemporaryFolder()
        let (train, labels) = writeDataset(in: folder, dottedNames: dotted, gzip: gzip)
        let dataset = try IDXReader.loadDataset(
            directory: folder.path, name: "toy", classNames: (0..<10).map(String.init))
        #expect(dataset.train.sampleShape == [1, 3, 2])
        #expect(dataset.train.labels == labels.map(Int32.init))
        #expect(dataset.test.labels == [9, 0])
        guard case .bytes(let pixels) = dataset.train.storage else { Issue.record("expected bytes"); return }
        #expect(pixels == train)
    }

    @Test func truncatedFileNamesTheFile() {
        let folder = TemporaryFolder()
        let full = idxBytes(shape: [5, 3, 2], values: [UInt8](repeating: 1, count: 30))
        let path = folder.write("images-idx3-ubyte", Array(full.dropLast(4)))
        #expect(
            expectInputError(fileContains: "images-idx3-ubyte", messageContains: "truncated") {
                _ = try IDXReader.read(path)
            })
    }

    @Test func wrongMagicNamesTheFile() {
        let folder = TemporaryFolder()
        var bytes = idxBytes(shape: [2], values: [1, 2])
        bytes[0] = 7
        let path = folder.write("labels-idx1-ubyte", bytes)
        #expect(
            expectInputError(fileContains: "labels-idx1-ubyte", messageContains: "magic") {
                _ = try IDXReader.read(path)
            })
    }

    /// Four dimensions of 2³² − 1: the element count overflows Int, which used to trap.
    @Test func headerWhoseCountOverflowsNamesTheFile() {
        let folder = TemporaryFolder()
        var bytes: [UInt8] = [0, 0, 8, 4]
        for _ in 0..<4 { bytes += [0xff, 0xff, 0xff, 0xff] }
        let path = folder.write("images-idx3-ubyte", bytes + [1, 2, 3])
        #expect(
            expectInputError(fileContains: "images-idx3-ubyte", messageContains: "more values than any file holds") {
                _ = try IDXReader.read(path)
            })
    }

    @Test func truncatedGzipNamesTheFile() {
        let folder = TemporaryFolder()
        let compressed = Gzip.compress(idxBytes(shape: [100, 28, 28], values: (0..<78400).map { UInt8($0 % 251) }))
        let path = folder.write("train-images-idx3-ubyte.gz", Array(compressed.prefix(compressed.count / 2)))
        #expect(expectInputError(fileContains: "train-images-idx3-ubyte.gz") { _ = try IDXReader.read(path) })
    }

    @Test func corruptGzipNamesTheFile() {
        let folder = TemporaryFolder()
        var compressed = Gzip.compress(idxBytes(shape: [100], values: (0..<100).map { UInt8($0) }))
        for i in 10..<min(30, compressed.count - 8) { compressed[i] = 0xff }
        let path = folder.write("x-idx1-ubyte.gz", compressed)
        #expect(expectInputError(fileContains: "x-idx1-ubyte.gz") { _ = try IDXReader.read(path) })
    }

    @Test func mismatchedLabelCountNamesTheLabelFile() {
        let folder = TemporaryFolder()
        _ = writeDataset(in: folder, dottedNames: false, gzip: false)
        folder.write("train-labels-idx1-ubyte", idxBytes(shape: [4], values: [0, 1, 2, 3]))
        #expect(
            expectInputError(fileContains: "train-labels-idx1-ubyte", messageContains: "4 labels for 5 images") {
                _ = try IDXReader.loadDataset(
                    directory: folder.path, name: "toy", classNames: (0..<10).map(String.init))
            })
    }

    @Test func missingFilesSayWhichAreExpected() {
        let folder = TemporaryFolder()
        #expect(
            expectInputError(fileContains: folder.path, messageContains: "train-images-idx3-ubyte.gz") {
                _ = try IDXReader.loadDataset(directory: folder.path, name: "toy", classNames: ["a"])
            })
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets"))
    func realMNISTFromTheSharedFolder() throws {
        let shared = try #require(sharedDatasets)
        let dataset = try IDXReader.loadDataset(
            directory: shared + "/mnist", name: "mnist", classNames: (0..<10).map(String.init))
        #expect(dataset.train.count == 60000)
        #expect(dataset.test.count == 10000)
        #expect(dataset.train.sampleShape == [1, 28, 28])
        var trainCounts = [Int](repeating: 0, count: 10), testCounts = [Int](repeating: 0, count: 10)
        for label in dataset.train.labels { trainCounts[Int(label)] += 1 }
        for label in dataset.test.labels { testCounts[Int(label)] += 1 }
        // The canonical MNIST label counts (LeCun et al.).
        #expect(trainCounts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(testCounts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    }
}
