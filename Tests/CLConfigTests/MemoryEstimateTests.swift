import CLData
import Foundation
import Testing
@testable import CLConfig

private let mnistLike = Dataset(
    name: "mnist", classNames: (0..<10).map(String.init),
    train: DataSplit(
        sampleShape: [1, 28, 28], storage: .bytes([UInt8](repeating: 0, count: 784 * 20)),
        labels: (0..<20).map { Int32($0 % 10) }),
    test: DataSplit(
        sampleShape: [1, 28, 28], storage: .bytes([UInt8](repeating: 0, count: 784 * 10)),
        labels: (0..<10).map { Int32($0) }),
    source: "memory")

private func protocolText(stream: String, backbone: String) -> String {
    """
    name: big
    dataset: { name: mnist }
    stream: \(stream)
    backbone: \(backbone)
    learners: [ { name: finetune } ]
    """
}

/// Sizes that need terabytes are refused before anything is allocated, naming the key.
@Test(arguments: [
    (
        "{ kind: class-incremental, classes_per_task: 5 }", "{ kind: mlp, widths: [1000000000, 1000000000] }",
        "p.yaml: learners[0] (finetune) backbone mlp widths [1000000000, 1000000000] needs at least"
    ),
    (
        "{ kind: class-incremental, classes_per_task: 5 }", "{ kind: mlp, widths: [9223372036854775807] }",
        "p.yaml: learners[0] (finetune) backbone mlp widths [9223372036854775807] needs at least 9.22e+06 TB"
    ),
    (
        "{ kind: permuted, tasks: 1000000000 }", "{ kind: mlp, widths: [100] }",
        "p.yaml: stream.tasks 1000000000 (permutations and sample lists) needs at least 6.51 TB"
    ),
])
func absurdSizesAreRefusedBeforeAllocating(stream: String, backbone: String, expected: String) throws {
    let spec = try ProtocolParser.parse(text: protocolText(stream: stream, backbone: backbone), path: "p.yaml")
    let error = #expect(throws: InputError.self) {
        try MemoryEstimate.check(spec, dataset: mnistLike, protocolPath: "p.yaml", availableBytes: 16_000_000_000)
    }
    #expect(error?.description.hasPrefix(expected) == true, "\(error?.description ?? "no error")")
    #expect(error?.description.hasSuffix("this machine has 16.0 GB") == true)
}

/// Ordinary sizes pass, and the estimate of a [400, 400] MLP is its real size.
@Test func ordinarySizesPass() throws {
    let spec = try ProtocolParser.parse(
        text: protocolText(stream: "{ kind: permuted, tasks: 10 }", backbone: "{ kind: mlp, widths: [400, 400] }"),
        path: "p.yaml")
    try MemoryEstimate.check(spec, dataset: mnistLike, protocolPath: "p.yaml", availableBytes: 1_000_000_000)
    let parameters = 784 * 400 + 400 + 400 * 400 + 400 + 400 * 10 + 10
    #expect(MemoryEstimate.largestTerm(of: spec, dataset: mnistLike).bytes == parameters * 16 + 810 * 128 * 8)
}
