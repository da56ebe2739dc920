import CLLearners
import CLResults
import CLTensor

/// Collects, during one evaluation row (after task i), what the uncertainty measures need
/// of every test sample: the predictive entropy, the confidence max_k p_k, whether the
/// prediction was right, and for Monte Carlo learners the mutual information; then reduces
/// them to the row of `/eval/uncertainty/*` defined in METRICS.md.
struct UncertaintyEvaluation {
    /// Per task of the stream: per test sample.
    private var entropy: [[Double]], confidence: [[Double]], correct: [[Bool]], mutualInformation: [[Double]]
    let monteCarlo: Bool

    init(taskCount: Int, monteCarlo: Bool) {
        entropy = Array(repeating: [], count: taskCount)
        confidence = entropy
        correct = Array(repeating: [], count: taskCount)
        mutualInformation = entropy
        self.monteCarlo = monteCarlo
    }

    /// Adds a batch of task `task`'s test samples.
    mutating func add(task: Int, distribution: PredictiveDistribution, predicted: [Int], truth: ArraySlice<Int>) {
        let probabilities = distribution.probabilities
        let rows = probabilities.shape[0], columns = probabilities.shape[1]
        probabilities.scalars.withUnsafeBufferPointer { p in
            for row in 0..<rows {
                let values = p[(row * columns)..<((row + 1) * columns)]
                let h = UncertaintyMetrics.entropy(values)
                entropy[task].append(h)
                confidence[task].append(columns == 0 ? .nan : Double(values.max()!))
                if let expected = distribution.expectedEntropy { mutualInformation[task].append(h - expected[row]) }
            }
        }
        correct[task] += zip(predicted, truth).map { $0 == $1 }
    }

    /// The row after task `trainedTask`: seen = test samples of tasks 0...trainedTask,
    /// unseen = those of later tasks.
    func row(trainedTask: Int) -> UncertaintyRow {
        let seen = 0...trainedTask, unseen = (trainedTask + 1)..<entropy.count
        let seenEntropy = seen.flatMap { entropy[$0] }, unseenEntropy = unseen.flatMap { entropy[$0] }
        let seenConfidence = seen.flatMap { confidence[$0] }, seenCorrect = seen.flatMap { correct[$0] }
        return UncertaintyRow(
            entropySeen: UncertaintyMetrics.mean(seenEntropy),
            entropyUnseen: UncertaintyMetrics.mean(unseenEntropy),
            aurocUnseen: UncertaintyMetrics.auroc(negatives: seenEntropy, positives: unseenEntropy),
            ece: UncertaintyMetrics.expectedCalibrationError(confidences: seenConfidence, correct: seenCorrect),
            mutualInformationSeen: monteCarlo ? UncertaintyMetrics.mean(seen.flatMap { mutualInformation[$0] }) : nil,
            mutualInformationUnseen: monteCarlo
                ? UncertaintyMetrics.mean(unseen.flatMap { mutualInformation[$0] }) : nil,
            reliability: UncertaintyMetrics.reliability(confidences: seenConfidence, correct: seenCorrect)
                .map { [Double($0.count), $0.confidence, $0.accuracy] })
    }
}
