import CLTensor
import Foundation
import Testing

@testable import CLLearners

/// A learner-shaped value with every kind of declaration `LearnerState` looks at.
private struct Holder: StateContainer {
    struct Inner: StateContainer {
        let head: LinearHead
        @Saved var count = 0
    }

    @Saved var generator = SeededGenerator(seed: 3)
    @Saved var classes: [[Int]] = []
    let curves = TrainingCurves()
    let inner: Inner
    /// The same head again: saved once, under its first name.
    let alias: LinearHead
    /// Optional: never a part.
    let maybe: LinearHead?
    /// Configuration: not state.
    let width = 4
    var plainGenerator = SeededGenerator(seed: 9)

    init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let head = LinearHead(featureDimension: 4, classes: 2, generator: &generator)
        inner = Inner(head: head)
        alias = head
        maybe = LinearHead(featureDimension: 4, classes: 1, generator: &generator)
    }
}

@Suite struct LearnerStateTests {
    @Test func partsAreNamedByTheirPropertyPathOnceEach() {
        let holder = Holder(seed: 1)
        #expect(
            LearnerState.parts(of: holder).map(\.name) == [
                "generator", "classes", "curves", "inner.head", "inner.count",
            ])
        #expect(LearnerState.undeclaredState(of: holder) == ["plainGenerator"])
    }

    /// Save one holder after some changes, restore into a fresh one: every part equal, the
    /// grown head included; a fresh holder differs before the restore (the test can fail).
    @Test func checkpointAndRestoreRoundTripExactly() throws {
        let saved = Holder(seed: 1)
        _ = saved.generator.nextNormal()  // leaves a spare normal in the generator
        saved.classes = [[0, 1], [2]]
        saved.inner.count = 7
        saved.inner.head.grow(to: 5, generator: &saved.generator)
        saved.curves.begin(task: 0)
        saved.curves.append(loss: 0.5, accuracy: .nan, extras: ["distill": 0.25])
        let checkpoint = try LearnerState.checkpoint(of: saved)

        let fresh = Holder(seed: 2)
        #expect(fresh.inner.head.weight.value != saved.inner.head.weight.value)
        try LearnerState.restore(fresh, from: checkpoint)
        #expect(fresh.inner.head.weight.value == saved.inner.head.weight.value)
        #expect(fresh.inner.head.bias.value == saved.inner.head.bias.value)
        #expect(fresh.classes == [[0, 1], [2]] && fresh.inner.count == 7)
        #expect(fresh.generator.nextNormal() == saved.generator.nextNormal())
        #expect(fresh.generator.next() == saved.generator.next())
        #expect(fresh.curves.losses == [[0.5]] && fresh.curves.accuracies[0][0].isNaN)
        #expect(fresh.curves.extras["distill"] == [[0.25]])
    }

    @Test func weightsAreTheNetworkPartsUnderTheirNames() {
        let holder = Holder(seed: 1)
        #expect(Set(LearnerState.weights(of: holder).keys) == ["inner.head.weight", "inner.head.bias"])
    }

    /// A checkpoint of another shape is an error naming the value, not a crash.
    @Test func aCheckpointThatDoesNotFitIsAnError() throws {
        var other = LearnerCheckpoint()
        other.tensors["inner.head.weight"] = Tensor(shape: [2, 3])
        other.tensors["inner.head.bias"] = Tensor(shape: [2])
        let holder = Holder(seed: 1)
        #expect(throws: LearnerCheckpoint.Mismatch.self) {
            try holder.inner.head.restore(from: other, as: "inner.head")
        }
        #expect(throws: LearnerCheckpoint.Missing.self) { try LearnerState.restore(holder, from: other) }
        var wrongType = LearnerCheckpoint()
        try wrongType.store("text", as: "generator")
        let generatorPart = try #require(LearnerState.parts(of: holder).first { $0.name == "generator" })
        #expect(throws: LearnerCheckpoint.Mismatch.self) {
            try generatorPart.part.restore(from: wrongType, as: "generator")
        }
    }
}
