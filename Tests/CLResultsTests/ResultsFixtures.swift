import CLData
import CLLearners
import Foundation
@testable import CLConfig
@testable import CLRun

/// A real results file to damage: nmc on a tiny 4-class, 2-task dataset, written by the
/// runner (so it has every dataset and attribute of the schema).
enum ResultsFixtures {
    /// - Parameter learner: "nmc", or "finetune" (a one-epoch MLP; its file has `/eval/uncertainty/*`).
    static func completeRun(in folder: String = scratch(), name: String = "nmc-seed0.h5", learner: String = "nmc")
        throws -> String
    {
        func split(_ perClass: Int) -> DataSplit {
            var bytes: [UInt8] = [], labels: [Int32] = []
            for c in 0..<4 {
                for k in 0..<perClass { bytes += [UInt8(60 * c), UInt8(k), 0, 0]; labels.append(Int32(c)) }
            }
            return DataSplit(sampleShape: [1, 2, 2], storage: .bytes(bytes), labels: labels)
        }
        let dataset = Dataset(
            name: "tiny", classNames: ["a", "b", "c", "d"], train: split(4), test: split(2), source: "memory")
        let spec = try ProtocolParser.parse(
            text: """
                name: tiny
                dataset: { name: tiny }
                stream: { kind: class-incremental, classes_per_task: 2 }
                backbone: { kind: mlp, widths: [4] }
                training: { epochs: 1, batch_size: 4, optimizer: sgd, lr: 0.1, schedule: constant }
                learners: [ { name: \(learner) } ]
                """, path: "tiny.yaml")
        let stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: 0)
        let path = (folder as NSString).appendingPathComponent(name)
        try Runner(dataset: dataset, stream: stream).run(spec.learners[0], seed: 0, protocol: spec, outputPath: path)
        return path
    }

    static func scratch() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("results-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
