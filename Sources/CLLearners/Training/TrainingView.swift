import CLTensor

/// How a training batch shows each sample to the learner: one `TrainingView` per view, each
/// with its own augmentations, so that contrastive learners (PRD: two augmented views) and
/// rotation-label learners (NAPA-VQ, PASS-style: four rotations, label 4y + k) use the same
/// loop as plain cross-entropy (one view with the protocol's augmentations).
public struct TrainingView: Sendable, Equatable {
    /// Augmentations by name, applied in this order: "crop4" (random crop after 4-pixel
    /// zero padding), "hflip" (mirror with probability 1/2). Only images are augmented.
    public var augmentations: [String]
    /// Whether the view holds every sample four times, rotated by k·90° (k = 0…3,
    /// counter-clockwise as `torch.rot90(x, k, (2, 3))`), with label 4y + k. The copies of
    /// one sample are consecutive (sample 0 at k = 0…3, then sample 1, …), as in PASS.
    public var rotations: Bool

    public init(augmentations: [String] = [], rotations: Bool = false) {
        self.augmentations = augmentations
        self.rotations = rotations
    }

    /// The protocol's `training.augment` as one view: what cross-entropy learners use.
    public static func standard(_ config: TrainingConfig) -> TrainingView {
        TrainingView(augmentations: config.augment)
    }

    /// The view of `inputs` (a batch [n] + sample shape), drawing random choices from
    /// `generator` (crop offsets for the whole batch first, then the flip coins), and the
    /// labels that go with it.
    func apply(to inputs: Tensor, labels: [Int], generator: inout SeededGenerator) -> (inputs: Tensor, labels: [Int]) {
        var x = inputs
        if x.rank == 4 {
            for name in augmentations {
                switch name {
                case "crop4": x = Augmentation.randomCrop(x, padding: 4, generator: &generator)
                case "hflip": x = Augmentation.randomHorizontalFlip(x, generator: &generator)
                default:
                    preconditionFailure(
                        "unknown augmentation '\(name)' (the protocol parser validates training.augment)")
                }
            }
        }
        guard rotations else { return (x, labels) }
        return (Augmentation.withQuarterTurns(x), labels.flatMap { y in (0..<4).map { 4 * y + $0 } })
    }

    /// Number of rows the view has for `count` samples.
    func rows(forSamples count: Int) -> Int { rotations ? 4 * count : count }
}
