import CLData
import CLTensor
import Testing
@testable import CLLearners

/// A task of `count` one-pixel samples whose pixel is the sample's index into the split
/// (so a fetched input names the sample it came from); labels `label(i)`.
private func indexedTask(
    _ index: Int = 0, count: Int, offset: Int = 0, label: (Int) -> Int32 = { Int32($0 % 2) },
    permutation: [Int]? = nil
) -> TaskData {
    let total = offset + count
    let split = DataSplit(
        sampleShape: [1], storage: .floats((0..<total).map(Float.init)), labels: (0..<total).map(label))
    let indices = Array(offset..<total)
    return TaskData(
        index: index, classes: [0, 1], seenClassCount: 2, split: split, sampleIndices: indices,
        labels: indices.map(label), pixelPermutation: permutation)
}

private func offerAll(_ buffer: ReplayBuffer, _ task: TaskData, batchSize: Int = 10) {
    var position = 0
    for start in stride(from: 0, to: task.count, by: batchSize) {
        let positions = Array(start..<min(start + batchSize, task.count))
        buffer.offer(OnlineBatch(task: task, positions: positions, streamPosition: position, taskKnown: true))
        position += positions.count
    }
}

/// The buffer keeps indices into the split (never pixels), at most its capacity, and a
/// replay batch fetches exactly the remembered samples' inputs with their labels.
@Test func aReplayBufferKeepsIndicesAndFetchesTheirInputs() throws {
    let task = indexedTask(count: 500, offset: 100)
    let buffer = ReplayBuffer(capacity: 50, generator: SeededGenerator(seed: 1))
    offerAll(buffer, task)
    #expect(buffer.count == 50 && buffer.seen == 500)
    #expect(buffer.entries.allSatisfy { (100..<600).contains($0.index) && $0.label == $0.index % 2 })
    #expect(Set(buffer.entries.map(\.index)).count == 50)
    let (inputs, labels) = try #require(buffer.sample(20, from: task.split))
    #expect(inputs.shape == [20, 1] && labels.count == 20)
    for (value, label) in zip(inputs.scalars, labels) {
        #expect(buffer.entries.contains { Float($0.index) == value && $0.label == label })
    }
    #expect(Set(inputs.scalars).count == 20, "drawn without replacement")
    #expect(buffer.sample(80, from: task.split)?.labels.count == 50, "at most what it holds")
    #expect(ReplayBuffer(capacity: 0, generator: SeededGenerator(seed: 1)).sample(5, from: task.split) == nil)
}

/// Reservoir sampling keeps a uniform sample of the stream: over many seeds, every
/// position of a 100-sample stream is kept about M/n = 20% of the time (early and late alike).
@Test func reservoirSamplingIsUniformOverTheStream() {
    let task = indexedTask(count: 100)
    var kept = [Int](repeating: 0, count: 100)
    let runs = 2000
    for seed in 0..<runs {
        let buffer = ReplayBuffer(capacity: 20, generator: SeededGenerator(seed: UInt64(seed)))
        offerAll(buffer, task)
        for entry in buffer.entries { kept[entry.index] += 1 }
    }
    let firstHalf = Double(kept[0..<50].reduce(0, +)) / Double(50 * runs)
    let secondHalf = Double(kept[50..<100].reduce(0, +)) / Double(50 * runs)
    #expect(abs(firstHalf - 0.2) < 0.01 && abs(secondHalf - 0.2) < 0.01, "\(firstHalf), \(secondHalf)")
    #expect(kept.allSatisfy { abs(Double($0) / Double(runs) - 0.2) < 0.05 }, "\(kept)")
}

/// Class-balanced sampling (CBRS) keeps a minority class that reservoir sampling loses: a
/// stream of 900 samples of class 0, then 100 of class 1, into a memory of 100.
@Test func classBalancedSamplingKeepsTheMinorityClass() {
    let task = indexedTask(count: 1000, label: { $0 < 900 ? 0 : 1 })
    let balanced = ReplayBuffer(capacity: 100, sampling: .classBalanced, generator: SeededGenerator(seed: 3))
    let reservoir = ReplayBuffer(capacity: 100, sampling: .reservoir, generator: SeededGenerator(seed: 3))
    offerAll(balanced, task)
    offerAll(reservoir, task)
    #expect(balanced.countOfClass[1] == 50 && balanced.countOfClass[0] == 50, "\(balanced.countOfClass)")
    #expect((reservoir.countOfClass[1] ?? 0) < 25, "\(reservoir.countOfClass)")
}

/// Same seed, same stream: the same memory; a checkpoint restores contents and generator,
/// so the restored buffer continues exactly as the original (the next draws agree).
@Test func aReplayBufferIsDeterministicAndResumesBitForBit() throws {
    let task = indexedTask(count: 300)
    let a = ReplayBuffer(capacity: 40, sampling: .classBalanced, generator: SeededGenerator(seed: 9))
    let b = ReplayBuffer(capacity: 40, sampling: .classBalanced, generator: SeededGenerator(seed: 9))
    offerAll(a, task)
    offerAll(b, task)
    #expect(a.entries == b.entries)

    var checkpoint = LearnerCheckpoint()
    try a.save(into: &checkpoint, as: "buffer")
    let restored = ReplayBuffer(capacity: 40, sampling: .classBalanced, generator: SeededGenerator(seed: 0))
    try restored.restore(from: checkpoint, as: "buffer")
    #expect(restored.entries == a.entries && restored.seen == a.seen)
    let more = indexedTask(1, count: 200, offset: 300)
    offerAll(a, more)
    offerAll(restored, more)
    #expect(restored.entries == a.entries)
    #expect(restored.sample(10, from: more.split)?.inputs.scalars == a.sample(10, from: more.split)?.inputs.scalars)

    let small = ReplayBuffer(capacity: 10, generator: SeededGenerator(seed: 0))
    #expect(throws: LearnerCheckpoint.Mismatch.self) { try small.restore(from: checkpoint, as: "buffer") }
}

/// A learner that holds a buffer checkpoints it with no code of its own (`LearnerState`).
@Test func aBufferHeldByALearnerIsPartOfItsState() {
    struct Holder { let buffer = ReplayBuffer(capacity: 3, generator: SeededGenerator(seed: 0)) }
    let parts = LearnerState.parts(of: Holder())
    #expect(parts.map(\.name) == ["buffer"])
    #expect(LearnerState.undeclaredState(of: Holder()).isEmpty)
}

/// Samples of permuted tasks come back through their own task's permutation.
@Test func replayedSamplesKeepTheirTasksPixelPermutation() throws {
    let split = DataSplit(sampleShape: [2], storage: .floats([1, 2, 3, 4]), labels: [0, 1])
    let plain = TaskData(index: 0, classes: [0, 1], seenClassCount: 2, split: split, sampleIndices: [0], labels: [0])
    let swapped = TaskData(
        index: 1, classes: [0, 1], seenClassCount: 2, split: split, sampleIndices: [1], labels: [1],
        pixelPermutation: [1, 0])
    let buffer = ReplayBuffer(capacity: 2, generator: SeededGenerator(seed: 0))
    buffer.offer(OnlineBatch(task: plain, positions: [0], streamPosition: 0, taskKnown: true))
    buffer.offer(OnlineBatch(task: swapped, positions: [0], streamPosition: 1, taskKnown: true))
    let (inputs, labels) = try #require(buffer.sample(2, from: split))
    let rows = Dictionary(
        uniqueKeysWithValues: zip(labels, [Array(inputs.scalars[0..<2]), Array(inputs.scalars[2..<4])]))
    #expect(rows[0] == [1, 2] && rows[1] == swapped.inputs(at: [0]).scalars)
}
