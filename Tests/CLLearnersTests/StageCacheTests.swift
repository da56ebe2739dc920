import CLTensor
import Testing
@testable import CLLearners

@Suite("The run's stage cache")
struct StageCacheTests {
    private func key(width: Int? = nil, seed: UInt64 = 0, task: TaskData) -> String {
        var key = StageKey(stage: "base-session")
        key.add("backbone", BackboneConfig(kind: "resnet18", width: width))
        key.add("seed", seed)
        key.add(task: task)
        return key.description
    }

    @Test("every input of a stage changes its key")
    func keys() {
        let task = TestData.task(
            index: 0, classes: [0, 1], seenClassCount: 2, sampleShape: [2],
            scalars: [0, 1, 2, 3], labels: [0, 1])
        let other = TestData.task(
            index: 0, classes: [0, 1], seenClassCount: 2, sampleShape: [2],
            scalars: [0, 1, 2, 3, 4, 5], labels: [0, 1, 1])
        let base = key(task: task)
        #expect(base == key(task: task))
        #expect(base != key(width: 20, task: task))
        #expect(key(width: 20, task: task) != key(width: 64, task: task))
        #expect(base != key(seed: 1, task: task))
        #expect(base != key(task: other))
    }

    @Test("a stage is computed once per cache and key; another dataset digest computes again")
    func reuse() throws {
        let stages = StageCache()
        var computed = 0
        func context(_ digest: String, _ name: String) -> LearnerContext {
            LearnerContext(
                seed: 0, sampleShape: [2], totalClassCount: 2, taskCount: 1, streamKind: "class-incremental",
                stageCache: stages, datasetDigest: digest, learnerDescription: name)
        }
        let key = StageKey(stage: "s")
        let first = context("d1", "a, seed 0")
        #expect(
            first.reuse(key) {
                computed += 1; return 7
            } == 7)
        let second = context("d1", "b, seed 0")
        #expect(
            second.reuse(key) {
                computed += 1; return 8
            } == 7)
        #expect(second.notes["stage.s"]?.hasPrefix("reused from a, seed 0") == true)
        let otherData = context("d2", "c, seed 0")
        #expect(
            otherData.reuse(key) {
                computed += 1; return 9
            } == 9)
        #expect(computed == 2 && stages.count == 2)
    }
}
