/// Options of a dataset entry in a protocol, as a typed value.
///
/// Suggested YAML keys (in `dataset: { name: ..., ... }`): `resize` (int),
/// `test_per_class` (int), `split_seed` (int), `invert` (bool), `cache` (bool).
/// The cache folder is not a protocol key: it comes from the command line or the
/// catalog (`DatasetCatalog.cacheDirectory`).
public struct DatasetOptions: Sendable, Equatable {
    /// Downscale image datasets to `resize` x `resize` by area averaging (image folders
    /// and Omniglot; 105 x 105 Omniglot drawings are large for CPU runs). Nil: keep size.
    public var resize: Int?
    /// Omniglot (no official split): drawings per class held out for testing.
    public var testPerClass: Int
    /// Omniglot: seed of the per-class train/test split (MersenneTwister, like every
    /// seeded choice in CLData), independent of the run seed so that all runs share a split.
    public var splitSeed: Int
    /// Omniglot: invert so that strokes are bright (255) on a dark (0) background, as in
    /// MNIST and in most few-shot code; false keeps the PNGs' dark strokes on white.
    public var invert: Bool
    /// Keep decoded image folders in the HDF5 decode cache (and read them from it).
    public var useCache: Bool
    /// Dataset `features`: the .h5 / .npz file of precomputed embeddings.
    public var path: String?

    public init(
        resize: Int? = nil, testPerClass: Int = 5, splitSeed: Int = 0, invert: Bool = true, useCache: Bool = true
    ) {
        self.resize = resize
        self.testPerClass = testPerClass
        self.splitSeed = splitSeed
        self.invert = invert
        self.useCache = useCache
    }

    /// Checks the values, naming the YAML key of a bad one.
    public func validate() throws {
        if let resize, resize < 1 || resize > 4096 {
            throw InputError(file: "", "dataset: resize must be in 1 ... 4096, got \(resize)")
        }
        if testPerClass < 1 {
            throw InputError(file: "", "dataset: test_per_class must be at least 1, got \(testPerClass)")
        }
        if splitSeed < 0 || splitSeed > Int(UInt32.max) {
            throw InputError(file: "", "dataset: split_seed must be in 0 ... 4294967295, got \(splitSeed)")
        }
    }
}
