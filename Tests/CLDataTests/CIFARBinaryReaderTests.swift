import Foundation
import Testing
@testable import CLData

@Suite struct CIFARBinaryReaderTests {
    /// A record: label byte(s) then 3072 pixel bytes derived from (record, seed).
    func record(labels: [UInt8], index: Int) -> [UInt8] {
        labels + (0..<3072).map { UInt8(($0 &* 31 &+ index &* 17) & 255) }
    }

    func writeCIFAR10(_ folder: TemporaryFolder, recordsPerBatch: Int = 3) -> [[UInt8]] {
        var allTrain: [[UInt8]] = []
        for batch in 1...5 {
            var bytes: [UInt8] = []
            for r in 0..<recordsPerBatch {
                let index = (batch - 1) * recordsPerBatch + r
                let rec = record(labels: [UInt8(index % 10)], index: index)
                allTrain.append(rec)
                bytes += rec
            }
            folder.write("cifar-10-batches-bin/data_batch_\(batch).bin", bytes)
        }
        folder.write(
            "cifar-10-batches-bin/test_batch.bin", record(labels: [7], index: 100) + record(labels: [2], index: 101))
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        folder.write("cifar-10-batches-bin/batches.meta.txt", text: names.joined(separator: "\n") + "\n\n")
        return allTrain
    }

    @Test func readsCIFAR10BinaryFormat() throws {
        let folder = TemporaryFolder()
        let records = writeCIFAR10(folder)
        let dataset = try CIFARBinaryReader.loadCIFAR10(directory: folder.sub("cifar-10-batches-bin"))
        #expect(dataset.classNames.count == 10 && dataset.classNames[9] == "truck")
        #expect(dataset.train.count == 15 && dataset.test.count == 2)
        #expect(dataset.train.sampleShape == [3, 32, 32])
        #expect(dataset.train.labels == records.map { Int32($0[0]) })
        #expect(dataset.test.labels == [7, 2])
        guard case .bytes(let pixels) = dataset.train.storage else { Issue.record("expected bytes"); return }
        #expect(Array(pixels[3072 * 4..<3072 * 5]) == Array(records[4].dropFirst()))
    }

    @Test func readsCIFAR100FineLabels() throws {
        let folder = TemporaryFolder()
        folder.write(
            "cifar-100-binary/train.bin", record(labels: [3, 87], index: 0) + record(labels: [19, 11], index: 1))
        folder.write("cifar-100-binary/test.bin", record(labels: [0, 99], index: 2))
        folder.write(
            "cifar-100-binary/fine_label_names.txt", text: (0..<100).map { "class\($0)" }.joined(separator: "\n"))
        let dataset = try CIFARBinaryReader.loadCIFAR100(directory: folder.sub("cifar-100-binary"))
        #expect(dataset.train.labels == [87, 11])
        #expect(dataset.test.labels == [99])
        #expect(dataset.classNames[87] == "class87")
        guard case .bytes(let pixels) = dataset.test.storage else { Issue.record("expected bytes"); return }
        #expect(pixels == Array(record(labels: [], index: 2)))
    }

    @Test func truncatedBatchNamesTheFile() {
        let folder = TemporaryFolder()
        _ = writeCIFAR10(folder)
        let path = folder.sub("cifar-10-batches-bin/data_batch_3.bin")
        let bytes = Array(try! Data(contentsOf: URL(fileURLWithPath: path)))
        folder.write("cifar-10-batches-bin/data_batch_3.bin", Array(bytes.dropLast(100)))
        #expect(
            expectInputError(fileContains: "data_batch_3.bin", messageContains: "truncated") {
                _ = try CIFARBinaryReader.loadCIFAR10(directory: folder.sub("cifar-10-batches-bin"))
            })
    }

    @Test func outOfRangeLabelNamesTheFile() {
        let folder = TemporaryFolder()
        _ = writeCIFAR10(folder)
        folder.write("cifar-10-batches-bin/test_batch.bin", record(labels: [12], index: 0))
        #expect(
            expectInputError(fileContains: "test_batch.bin", messageContains: "label 12") {
                _ = try CIFARBinaryReader.loadCIFAR10(directory: folder.sub("cifar-10-batches-bin"))
            })
    }

    @Test func missingNamesFileIsAnInputError() {
        let folder = TemporaryFolder()
        folder.write("cifar-100-binary/train.bin", record(labels: [3, 87], index: 0))
        folder.write("cifar-100-binary/test.bin", record(labels: [3, 87], index: 0))
        #expect(
            expectInputError(fileContains: "fine_label_names.txt", messageContains: "not found") {
                _ = try CIFARBinaryReader.loadCIFAR100(directory: folder.sub("cifar-100-binary"))
            })
    }
}
