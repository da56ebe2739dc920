import CLData
import Testing

/// Points fall after each batch that passes a multiple of eval_every, and at each task end,
/// once when both coincide; a task's last batch may be short and no batch mixes tasks.
@Test func anytimePointsFallEveryEvalEverySamplesAndAtTaskEnds() {
    // Task 1's batches end at 35, 45, 55: the batch ending at 45 passes 40.
    let points = OnlineSchedule.points(trainCounts: [25, 30], batchSize: 10, evaluateEvery: 20)
    #expect(
        points == [
            .init(position: 20, task: 0, isTaskEnd: false), .init(position: 25, task: 0, isTaskEnd: true),
            .init(position: 45, task: 1, isTaskEnd: false), .init(position: 55, task: 1, isTaskEnd: true),
        ])
    // A task end that passes a multiple is one point.
    #expect(
        OnlineSchedule.points(trainCounts: [25, 20], batchSize: 10, evaluateEvery: 20).map(\.position) == [20, 25, 45])
    #expect(OnlineSchedule.batchSizes(count: 25, batchSize: 10) == [10, 10, 5])
    #expect(OnlineSchedule.taskEnds(trainCounts: [25, 20]) == [25, 45])
    // METRICS.md's golden layout: two tasks of 100, a point every 50.
    #expect(
        OnlineSchedule.points(trainCounts: [100, 100], batchSize: 10, evaluateEvery: 50).map(\.position)
            == [50, 100, 150, 200])
}

/// Each task's order is a permutation of its samples fixed by the seed and the task alone.
@Test func onlineBatchOrderIsSeededPerTask() {
    let a = OnlineSchedule.batches(count: 23, batchSize: 5, seed: 4, task: 2)
    #expect(a.map(\.count) == [5, 5, 5, 5, 3])
    #expect(a.flatMap { $0 }.sorted() == Array(0..<23))
    #expect(a == OnlineSchedule.batches(count: 23, batchSize: 5, seed: 4, task: 2))
    #expect(a != OnlineSchedule.batches(count: 23, batchSize: 5, seed: 5, task: 2))
    #expect(a != OnlineSchedule.batches(count: 23, batchSize: 5, seed: 4, task: 3))
    #expect(OnlineSchedule.batches(count: 0, batchSize: 5, seed: 4, task: 0).isEmpty)
}
