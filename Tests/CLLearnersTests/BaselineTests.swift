import CLData
import CLTensor
import Testing
@testable import CLLearners

/// Two tasks of two classes each (blobs in 4-d) on one split, as a stream's; test samples drawn separately.
private let tasks = TestData.onOneSplit([
    TestData.blobs(
        task: 0, classes: [0, 1], seenClassCount: 2, perClass: 20, dimension: 4, spread: 0.4, sampleSeed: 1),
    TestData.blobs(
        task: 1, classes: [2, 3], seenClassCount: 4, perClass: 20, dimension: 4, spread: 0.4, sampleSeed: 2),
])
private let taskA = tasks[0], taskB = tasks[1]
private let testA = TestData.all(
    TestData.blobs(task: 0, classes: [0, 1], seenClassCount: 2, perClass: 25, dimension: 4, spread: 0.4, sampleSeed: 3))

private func config(_ type: any Learner.Type, given: [String: HyperparameterValue] = [:]) throws -> LearnerConfig {
    try LearnerConfig(
        specs: type.hyperparameters, given: given, training: TestData.training(epochs: 30, batchSize: 10),
        backbone: BackboneConfig(kind: "mlp", widths: [16]))
}

@Test func finetuneForgetsTheFirstTaskWhileJointDoesNot() throws {
    var finetune = try Finetune(config: config(Finetune.self), context: TestData.context(seed: 1, sampleShape: [4]))
    var joint = try Joint(config: config(Joint.self), context: TestData.context(seed: 1, sampleShape: [4]))
    try finetune.learn(taskA)
    try joint.learn(taskA)
    let finetuneBefore = TestData.accuracy(finetune.predict(testA.inputs, task: nil).argmax(), testA.labels)
    #expect(finetuneBefore > 0.95)
    try finetune.learn(taskB)
    try joint.learn(taskB)
    let finetuneAfter = TestData.accuracy(finetune.predict(testA.inputs, task: nil).argmax(), testA.labels)
    let jointAfter = TestData.accuracy(joint.predict(testA.inputs, task: nil).argmax(), testA.labels)
    #expect(finetuneAfter < 0.5)
    #expect(jointAfter > 0.95)
    #expect(joint.seenTasks.count == 2)
}

@Test func baselinesRecordTrainingCurvesPerTask() throws {
    let context = TestData.context(seed: 2, sampleShape: [4])
    var finetune = try Finetune(config: config(Finetune.self), context: context)
    try finetune.learn(taskA)
    try finetune.learn(taskB)
    LearnerState.recordCurves(of: finetune, in: context)
    #expect(context.diagnostics["train_loss"]?.shape == [2, 30])
    #expect(context.diagnostics["train_tasks"]?.scalars == [0, 1])
}

@Test func baselinesRejectTheIdentityBackbone() {
    #expect(Finetune.supportedBackbones?.contains("identity") == false)
    #expect(Joint.supportedBackbones?.contains("identity") == false)
    #expect(throws: HyperparameterError.self) {
        try Finetune(config: LearnerConfig(specs: [], given: [:]), context: TestData.context(sampleShape: [4]))
    }
}

@Test func newLearnersAreRegistered() {
    for name in ["teen", "finetune", "joint"] { #expect(LearnerRegistry.type(named: name) != nil) }
}
