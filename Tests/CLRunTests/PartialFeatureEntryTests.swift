import CLData
import Foundation
import Testing
@testable import CLRun

/// An interrupted feature extraction resumes from the rows already on disk, and only a
/// finished entry appears under the entry's own name.
@Test func partialFeatureEntryKeepsRowsAcrossReopeningAndIsRenamedWhenFinished() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let entry = folder + "/d-efficientnet-lite0-224px-key.h5"
    do {
        let partial = try PartialFeatureEntry(entry: entry, description: "key 1", dimension: 2)
        try partial.append([1, 2, 3, 4], to: "train")
        #expect(try partial.rows("test") == [])
        partial.file.close()  // as if the run were killed here
    }
    #expect(!FileManager.default.fileExists(atPath: entry))
    let resumed = try PartialFeatureEntry(entry: entry, description: "key 1", dimension: 2)
    #expect(try resumed.rows("train") == [1, 2, 3, 4])
    try resumed.append([5, 6], to: "train")
    try resumed.append([7, 8], to: "test")
    let dataset = Dataset(
        name: "d", classNames: ["a", "b"],
        train: DataSplit(sampleShape: [2], storage: .floats([1, 2, 3, 4, 5, 6]), labels: [0, 1, 1]),
        test: DataSplit(sampleShape: [2], storage: .floats([7, 8]), labels: [1]), source: "s")
    try resumed.finish(dataset, entry: entry, attributes: ["schema": "cl-bench-features/1"])
    #expect(!FileManager.default.fileExists(atPath: entry + ".partial"))
    let read = try FeatureFileReader.load(path: entry)
    #expect(
        read.train.batch([0, 1, 2]).scalars == [1, 2, 3, 4, 5, 6] && read.test.labels == [1]
            && read.classNames == ["a", "b"])

    // Another key (other weights, resolution or data): started afresh.
    let other = try PartialFeatureEntry(entry: folder + "/other.h5", description: "key 1", dimension: 2)
    try other.append([9, 9], to: "train")
    other.file.close()
    let fresh = try PartialFeatureEntry(entry: folder + "/other.h5", description: "key 2", dimension: 2)
    #expect(try fresh.rows("train") == [])
}
