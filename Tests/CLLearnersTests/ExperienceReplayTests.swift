import CLData
import CLTensor
import Testing
@testable import CLLearners

/// Two tasks of two classes each (blobs in 4-d) on one split, as a stream's.
private let tasks = TestData.onOneSplit([
    TestData.blobs(
        task: 0, classes: [0, 1], seenClassCount: 2, perClass: 150, dimension: 4, spread: 0.4, sampleSeed: 1),
    TestData.blobs(
        task: 1, classes: [2, 3], seenClassCount: 4, perClass: 150, dimension: 4, spread: 0.4, sampleSeed: 2),
])
private let testA = TestData.all(
    TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 25, dimension: 4, spread: 0.4, sampleSeed: 3))

private func er(memory: Int, seed: UInt64 = 1, optimizer: String = "sgd") throws -> ExperienceReplay {
    var training = TestData.training(epochs: 1, batchSize: 10, lr: 0.05, optimizer: optimizer)
    training.schedule = "constant"
    training.momentum = 0.9
    let config = try LearnerConfig(
        specs: ExperienceReplay.hyperparameters, given: ["memory": .integer(memory)], training: training,
        backbone: BackboneConfig(kind: "mlp", widths: [16]))
    return try ExperienceReplay(config: config, context: TestData.context(seed: seed, sampleShape: [4]))
}

/// Delivers `task` online in batches of 10 (the runner's order), boundaries given or hidden.
private func deliver(_ learner: inout ExperienceReplay, _ task: TaskData, hidden: Bool = false) throws {
    if !hidden { try learner.beginTask(TaskBoundary(task)) }
    for positions in OnlineSchedule.batches(count: task.count, batchSize: 10, seed: 1, task: task.index) {
        try learner.observe(OnlineBatch(task: task, positions: positions, streamPosition: 0, taskKnown: !hidden))
    }
}

private func accuracyOnA(_ learner: ExperienceReplay) -> Double {
    TestData.accuracy(learner.predict(testA.inputs, task: nil).argmax(), testA.labels)
}

/// Replay keeps the first task; without memory (online fine-tuning) it is overwritten.
@Test func experienceReplayRemembersWhatOnlineFineTuningForgets() throws {
    var replay = try er(memory: 100), plain = try er(memory: 0)
    for learner in [0, 1] {
        var current = learner == 0 ? replay : plain
        try deliver(&current, tasks[0])
        #expect(accuracyOnA(current) > 0.95)
        try deliver(&current, tasks[1])
        if learner == 0 { replay = current } else { plain = current }
    }
    #expect(accuracyOnA(replay) > 0.8, "\(accuracyOnA(replay))")
    #expect(accuracyOnA(plain) < 0.3, "\(accuracyOnA(plain))")
    #expect(replay.buffer.count == 100 && replay.buffer.seen == 600 && plain.buffer.isEmpty)
    #expect(replay.network.head.classCount == 4)
}

/// With hidden boundaries the head grows when unseen labels arrive.
@Test func experienceReplayGrowsItsHeadWithoutBoundaries() throws {
    var learner = try er(memory: 50)
    try deliver(&learner, tasks[0], hidden: true)
    #expect(learner.network.head.classCount == 2)
    try deliver(&learner, tasks[1], hidden: true)
    #expect(learner.network.head.classCount == 4)
}

/// Checkpointed after task 0 and restored into a fresh learner, it learns task 1 to the
/// same weights bit for bit as the uninterrupted learner, with momentum and with Adam (the
/// optimiser is rebuilt where the head grows, in both).
@Test(arguments: ["sgd", "adam"])
func experienceReplayResumesBitForBit(optimizer: String) throws {
    var uninterrupted = try er(memory: 30, optimizer: optimizer)
    try deliver(&uninterrupted, tasks[0])
    let checkpoint = try LearnerState.checkpoint(of: uninterrupted)
    try deliver(&uninterrupted, tasks[1])

    var resumed = try er(memory: 30, optimizer: optimizer)
    try LearnerState.restore(resumed, from: checkpoint)
    try deliver(&resumed, tasks[1])
    let expected = LearnerState.weights(of: uninterrupted), found = LearnerState.weights(of: resumed)
    #expect(expected.keys.sorted() == found.keys.sorted())
    for (name, tensor) in expected { #expect(found[name]?.scalars == tensor.scalars, "\(name)") }
    #expect(resumed.buffer.entries == uninterrupted.buffer.entries)
    #expect(LearnerState.undeclaredState(of: resumed).isEmpty)
}

/// On an ordinary stream, `learn` is one pass of the task in the online order.
@Test func experienceReplayLearnsAnOrdinaryTaskInOnePass() throws {
    var learner = try er(memory: 20)
    try learner.learn(tasks[0])
    #expect(learner.buffer.seen == tasks[0].count)
    #expect(accuracyOnA(learner) > 0.95)
}
