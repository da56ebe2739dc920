import CLTensor

/// A learner whose prediction is a probability distribution over the classes it knows.
/// The runner then evaluates the distribution itself (entropy on seen and unseen
/// classes, AUROC, calibration; `/eval/uncertainty/*` of METRICS.md).
///
/// Learners trained with cross-entropy adopt it with no code: the default is the softmax
/// of `predict`'s logits. Learners that sample (Monte Carlo over weights or prototypes)
/// implement `predictDistribution` with the generator the runner hands them, set
/// `samplesMonteCarlo`, and fill `expectedEntropy`, from which the runner computes the
/// mutual information.
public protocol UncertaintyEstimating: Learner {
    /// Whether the distribution is a mean over Monte Carlo samples (then
    /// `PredictiveDistribution.expectedEntropy` is given and mutual information recorded).
    static var samplesMonteCarlo: Bool { get }

    /// The predictive distribution of a batch. `generator` is seeded by the runner from the
    /// run's seed, the evaluation row and the batch, so sampled predictions are reproducible
    /// and do not depend on evaluation order.
    func predictDistribution(_ batch: Tensor, task: Int?, generator: inout SeededGenerator) -> PredictiveDistribution
}

extension UncertaintyEstimating {
    public static var samplesMonteCarlo: Bool { false }

    /// The softmax of `predict`'s scores (or the scores themselves when they are already
    /// probabilities); the prediction stays `predict`'s, so accuracy is exactly unchanged.
    public func predictDistribution(_ batch: Tensor, task: Int?, generator: inout SeededGenerator)
        -> PredictiveDistribution
    {
        let prediction = predict(batch, task: task)
        let probabilities =
            prediction.kind == .probabilities
            ? prediction.scores : withoutGradient { Variable(prediction.scores).softmax().value }
        return PredictiveDistribution(prediction: prediction, probabilities: probabilities)
    }
}

/// A predictive distribution for a batch.
public struct PredictiveDistribution: Sendable {
    /// What accuracy is computed from (its argmax), as from `predict`.
    public var prediction: Prediction
    /// p(y | x): [samples, classes known], each row summing to 1.
    public var probabilities: Tensor
    /// Monte Carlo learners: mean over the samples s of H[p_s(y | x)] per row (nats).
    public var expectedEntropy: [Double]?

    public init(prediction: Prediction, probabilities: Tensor, expectedEntropy: [Double]? = nil) {
        precondition(
            probabilities.rank == 2 && probabilities.shape[0] == prediction.scores.shape[0],
            "probabilities must be [samples, classes] with one row per predicted sample")
        precondition(
            expectedEntropy == nil || expectedEntropy!.count == probabilities.shape[0],
            "one expected entropy per sample")
        self.prediction = prediction
        self.probabilities = probabilities
        self.expectedEntropy = expectedEntropy
    }
}
