import CLData
import CLLearners
import CLResults
import CLTensor

/// What delivering one task online leaves for the runner: the anytime points inside the
/// task (the point at its end is the runner's ordinary evaluation), and the incoming
/// samples the learner got right before learning from them.
struct OnlineTaskOutcome {
    var rows: [[Double]] = []
    var pooled: [Double] = []
    var correct = 0
    var count = 0
    var evaluationSeconds = 0.0
}

extension Runner {
    /// Delivers task `data` to `learner` online: its boundary when boundaries are given, then
    /// every sample once, as batches in the order `OnlineSchedule` fixes for the run's seed;
    /// each batch is first scored (task-agnostic, for `online_accuracy`), then observed; after
    /// each batch that ends at one of `points` (other than the task's end), every reached
    /// task's test set is evaluated.
    func deliverOnline<L: OnlineLearner>(
        _ learner: inout L, task data: TaskData, online: OnlineStreamConfig, points: [OnlineSchedule.Point],
        startPosition: Int, seed: Int, truth: [[Int]], inputs: TestInputCache
    ) throws -> OnlineTaskOutcome {
        var outcome = OnlineTaskOutcome()
        if online.boundaries == .given { try learner.beginTask(TaskBoundary(data)) }
        let inside = Dictionary(
            uniqueKeysWithValues: points.enumerated().filter { $0.element.task == data.index && !$0.element.isTaskEnd }
                .map { ($0.element.position, $0.offset) })
        var position = startPosition
        let batches = OnlineSchedule.batches(
            count: data.count, batchSize: online.batchSize, seed: UInt64(seed), task: data.index)
        for positions in batches {
            try RunInterruption.checkpoint()  // a safe point: between two batches
            let batch = OnlineBatch(
                task: data, positions: positions, streamPosition: position, taskKnown: online.boundaries == .given)
            let predicted = withoutGradient { learner.predict(batch.inputs, task: nil) }.argmax()
            outcome.correct += zip(predicted, batch.labels).filter { $0 == $1 }.count
            outcome.count += batch.count
            try learner.observe(batch)
            position += positions.count
            if let point = inside[position] {
                let start = RunEnvironment.monotonicSeconds()
                let (row, pooled) = anytimeEvaluation(
                    learner, reachedTask: data.index, point: point, seed: seed, truth: truth, inputs: inputs)
                outcome.rows.append(row)
                outcome.pooled.append(pooled)
                outcome.evaluationSeconds += RunEnvironment.monotonicSeconds() - start
            }
        }
        return outcome
    }

    /// a_j(e) for the reached tasks j = 0 ... `reachedTask` (NaN for the others) and A_e, the
    /// pooled accuracy over their test samples: task-agnostic, as the accuracy matrix R,
    /// asking the learner once per test batch under no-gradient mode.
    func anytimeEvaluation(
        _ learner: any Learner, reachedTask: Int, point: Int, seed: Int, truth: [[Int]], inputs: TestInputCache
    ) -> (row: [Double], pooled: Double) {
        var row = [Double](repeating: .nan, count: stream.tasks.count)
        var correct = 0, total = 0
        for j in 0...reachedTask {
            var taskCorrect = 0, taskTotal = 0
            for chunk in 0..<inputs.chunkCount(task: j) {
                let batch = TestBatch(inputs: inputs.batch(task: j, chunk: chunk), task: j, chunk: chunk)
                // Rows of the accuracy matrix use rows 0 ... T; anytime points count down from -1.
                var generator = SeededGenerator(
                    seed: Self.evaluationSeed(run: seed, row: -1 - point, task: j, chunk: chunk))
                let result = withoutGradient {
                    learner.evaluate(batch, request: EvaluationRequest(), generator: &generator)
                }
                let predicted = result.taskAgnostic.argmax()
                let start = taskTotal
                for (k, label) in predicted.enumerated() where label == truth[j][start + k] { taskCorrect += 1 }
                taskTotal += predicted.count
            }
            row[j] = taskTotal == 0 ? .nan : Double(taskCorrect) / Double(taskTotal)
            correct += taskCorrect
            total += taskTotal
        }
        return (row, total == 0 ? .nan : Double(correct) / Double(total))
    }
}
