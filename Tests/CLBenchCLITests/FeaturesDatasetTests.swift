import Foundation
import HDF5Kit
import Testing

/// Bring-your-own features: `dataset: { name: features, path: X.h5 }` runs learners on
/// precomputed embeddings; a malformed file is one line naming it, exit status 2.
private func writeFeatures(
    _ path: String, classes: Int = 4, perClass: Int = 10, dimension: Int = 8, testRows: Int? = nil
) throws {
    // Class c's features cluster around the c-th unit vector, so nmc separates them.
    func split(_ count: Int, seed: Int) -> (x: [Float], y: [Int32]) {
        var x: [Float] = [], y: [Int32] = []
        for i in 0..<count {
            let c = i % classes
            y.append(Int32(c))
            for k in 0..<dimension { x.append((k == c ? 1 : 0) + 0.1 * Float((i * 7 + k * 3 + seed) % 5) / 5) }
        }
        return (x, y)
    }
    let train = split(classes * perClass, seed: 0), test = split(classes * 3, seed: 1)
    let h5 = try HDF5File.create(path)
    try h5.write(train.x, shape: [train.y.count, dimension], at: "/train/x")
    try h5.write(train.y, shape: [train.y.count], at: "/train/y")
    try h5.write(test.x, shape: [test.y.count, dimension], at: "/test/x")
    try h5.write(Array(test.y.prefix(testRows ?? test.y.count)), shape: [testRows ?? test.y.count], at: "/test/y")
    h5.close()
}

private let featuresProtocol = """
    name: byo-features
    dataset: { name: features, path: feats.h5 }
    stream: { kind: class-incremental, initial_classes: 2, classes_per_task: 1 }
    learners:
      - { name: nmc, metric: cosine }
    """

@Test func featuresDatasetRunsLearnersOnPrecomputedEmbeddings() throws {
    let folder = scratchFolder()
    try writeFeatures(folder + "/feats.h5")
    try featuresProtocol.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "p.yaml", "--out", "out"], in: folder)
    #expect(result.status == 0, "\(result.error)")
    #expect(
        result.error.contains("final_accuracy 1.0000") || result.output.contains("final_accuracy 1.0000"),
        "\(result.output)\(result.error)")
    #expect(FileManager.default.fileExists(atPath: folder + "/out/byo-features/nmc-seed0.h5"))
}

@Test func wrongShapeFeaturesFileIsOneLineAndExitStatus2() throws {
    let folder = scratchFolder()
    try writeFeatures(folder + "/feats.h5", testRows: 5)
    try featuresProtocol.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "p.yaml", "--out", "out"], in: folder)
    #expect(result.status == 2)
    #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    #expect(result.error.contains("feats.h5: test/y has shape [5] but test/x has 12 rows"), "\(result.error)")
}
