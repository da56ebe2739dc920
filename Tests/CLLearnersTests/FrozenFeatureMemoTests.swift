import CLTensor
import Testing
@testable import CLLearners

@Test func memoisedFeaturesEqualFreshOnesPerBatchIdentityAndBackbone() throws {
    var generator = SeededGenerator(seed: 3)
    let backbone = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [5]), sampleShape: [4], generator: &generator)
    let memo = FrozenFeatureMemo()
    let inputs = Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0) / 7 })
    let first = memo.features(of: TestBatch(inputs: inputs, task: 0, chunk: 0), using: backbone)
    #expect(first == backbone.features(of: inputs))
    #expect(memo.features(of: TestBatch(inputs: inputs, task: 0, chunk: 0), using: backbone) == first)
    // Another batch identity: computed from its own inputs.
    var changed = inputs
    changed.scalars[5] += 1
    #expect(
        memo.features(of: TestBatch(inputs: changed, task: 0, chunk: 1), using: backbone)
            == backbone.features(of: changed))
    // Another backbone object: its own features, not the memoised ones.
    let other = try BackboneFactory.makeTrainableBackbone(
        BackboneConfig(kind: "mlp", widths: [5]), sampleShape: [4], generator: &generator)
    #expect(memo.features(of: TestBatch(inputs: inputs, task: 0, chunk: 0), using: other) == other.features(of: inputs))
    #expect(other.features(of: inputs) != first)
}
