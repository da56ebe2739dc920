/// A prototype learner's pictures (`psenn`, `prob-psenn`): what the report shows as small
/// images grouped by class, read from `/learner/<label>/prototype_*` after the last task.
public struct PrototypeRecord: Sendable, Equatable {
    /// Shape of one image [C, H, W] (or [d] for flat samples, which are not drawn).
    public var imageShape: [Int]
    /// Decoded prototype means in [0, 1], one flat image per prototype.
    public var images: [[Float]]
    /// Learner label (position in the class order) of each prototype.
    public var classes: [Int]
    /// Probabilistic prototypes: per-pixel standard deviation of decoded draws, per
    /// prototype, and its mean over pixels (the explanatory uncertainty).
    public var spreadImages: [[Float]]?
    public var spread: [Double]?

    public init(
        imageShape: [Int], images: [[Float]], classes: [Int], spreadImages: [[Float]]? = nil, spread: [Double]? = nil
    ) {
        self.imageShape = imageShape; self.images = images; self.classes = classes
        self.spreadImages = spreadImages; self.spread = spread
    }
}
