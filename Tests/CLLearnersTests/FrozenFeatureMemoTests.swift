import CLTensor
import Testing
@testable import CLLearners

@Test func memoisedFeaturesEqualFreshOnesAndNeverServeAnotherBatch() throws {
    var generator = SeededGenerator(seed: 3)
    let backbone = try BackboneFactory.makeTrainableBackbone(BackboneConfig(kind: "mlp", widths: [5]), sampleShape: [4], generator: &generator)
    let memo = FrozenFeatureMemo()
    let batch = Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0) / 7 })
    let first = memo.features(of: batch, using: backbone)
    #expect(first == backbone.features(of: batch))
    #expect(memo.features(of: batch, using: backbone) == first)
    // One scalar differs (not necessarily among the hashed ones): computed afresh.
    var changed = batch
    changed.scalars[5] += 1
    #expect(memo.features(of: changed, using: backbone) == backbone.features(of: changed))
    // Another backbone object: its own features, not the memoised ones.
    let other = try BackboneFactory.makeTrainableBackbone(BackboneConfig(kind: "mlp", widths: [5]), sampleShape: [4], generator: &generator)
    #expect(memo.features(of: batch, using: other) == other.features(of: batch))
    #expect(other.features(of: batch) != first)
}
