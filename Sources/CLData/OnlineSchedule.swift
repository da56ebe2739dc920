import CLTensor

/// Where an online stream puts its batches and its anytime evaluations: pure functions of
/// the task sizes, the `online:` block and the run's seed, so that the runner, a resumed
/// run and a learner that replays a task online (`er` on an ordinary stream) agree exactly.
public enum OnlineSchedule {
    /// One anytime evaluation point: after `position` stream samples, inside (or at the end
    /// of) task `task`.
    public struct Point: Sendable, Equatable {
        public var position: Int
        public var task: Int
        public var isTaskEnd: Bool

        public init(position: Int, task: Int, isTaskEnd: Bool) {
            self.position = position
            self.task = task
            self.isTaskEnd = isTaskEnd
        }
    }

    /// The batches of one task: task-local positions, each sample once, in an order fixed by
    /// `seed` and the task alone (a resumed run draws the same order without saved state).
    public static func batches(count: Int, batchSize: Int, seed: UInt64, task: Int) -> [[Int]] {
        guard count > 0 else { return [] }
        var generator = SeededGenerator(seed: orderSeed(seed, task: task))
        return Augmentation.shuffledBatches(count: count, batchSize: max(1, batchSize), generator: &generator)
    }

    /// The sizes of task `task`'s batches (`count` samples).
    public static func batchSizes(count: Int, batchSize: Int) -> [Int] {
        let size = max(1, batchSize)
        return stride(from: 0, to: count, by: size).map { min(size, count - $0) }
    }

    /// Every evaluation point of a stream whose tasks hold `trainCounts` samples: after each
    /// batch that takes the stream past a multiple of `evaluateEvery`, and at each task end
    /// (one point when both fall together).
    public static func points(trainCounts: [Int], batchSize: Int, evaluateEvery: Int) -> [Point] {
        var points: [Point] = []
        var position = 0
        let every = max(1, evaluateEvery)
        for (task, count) in trainCounts.enumerated() {
            let sizes = batchSizes(count: count, batchSize: batchSize)
            for (index, size) in sizes.enumerated() {
                let before = position
                position += size
                let isEnd = index == sizes.count - 1
                if isEnd || position / every > before / every {
                    points.append(Point(position: position, task: task, isTaskEnd: isEnd))
                }
            }
            if sizes.isEmpty { points.append(Point(position: position, task: task, isTaskEnd: true)) }
        }
        return points
    }

    /// Stream position at the end of each task.
    public static func taskEnds(trainCounts: [Int]) -> [Int] {
        var total = 0
        return trainCounts.map {
            total += $0; return total
        }
    }

    /// SplitMix64 of the run seed and the task: the seed of that task's order.
    static func orderSeed(_ seed: UInt64, task: Int) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (UInt64(truncatingIfNeeded: task) &+ 1)
        z ^= 0x6F6E_6C69_6E65  // "online": an order unrelated to the training loop's
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
