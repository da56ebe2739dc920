import CLTensor

/// The samples of one split (train or test) of a labelled dataset, held in memory.
///
/// Images are kept as bytes (a quarter of the memory of floats) and scaled to [0, 1]
/// only when a batch is made; precomputed feature sets are kept as floats.
public struct DataSplit: Sendable {
    /// How the samples are stored.
    public enum Storage: Sendable {
        /// Pixel bytes, sample-major, each sample `sampleShape` (C x H x W).
        case bytes([UInt8])
        /// Float features, sample-major, each sample `sampleShape`.
        case floats([Float])
    }

    /// Shape of one sample: [channels, height, width] for images, [d] for feature vectors.
    public var sampleShape: [Int]
    /// The sample values.
    public var storage: Storage
    /// Original dataset label of each sample (0 ..< classCount).
    public var labels: [Int32]

    public init(sampleShape: [Int], storage: Storage, labels: [Int32]) {
        self.sampleShape = sampleShape
        self.storage = storage
        self.labels = labels
    }

    /// Number of samples.
    public var count: Int { labels.count }
    /// Number of scalars in one sample.
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The samples at `indices` as a float tensor [n] + sampleShape; bytes are scaled to [0, 1].
    /// When `permutation` is given, each sample's flattened scalars are reordered by it
    /// (scalar k of the result is scalar permutation[k] of the sample): permuted streams.
    public func batch(_ indices: [Int], permutation: [Int]? = nil) -> Tensor {
        let size = sampleSize
        var out = [Float](repeating: 0, count: indices.count * size)
        out.withUnsafeMutableBufferPointer { dst in
            switch storage {
            case .bytes(let bytes):
                bytes.withUnsafeBufferPointer { src in
                    let scale: Float = 1.0 / 255.0
                    for (row, sample) in indices.enumerated() {
                        let s = sample &* size, d = row &* size
                        if let p = permutation {
                            for k in 0..<size { dst[d &+ k] = Float(src[s &+ p[k]]) * scale }
                        } else {
                            for k in 0..<size { dst[d &+ k] = Float(src[s &+ k]) * scale }
                        }
                    }
                }
            case .floats(let floats):
                floats.withUnsafeBufferPointer { src in
                    for (row, sample) in indices.enumerated() {
                        let s = sample &* size, d = row &* size
                        if let p = permutation {
                            for k in 0..<size { dst[d &+ k] = src[s &+ p[k]] }
                        } else {
                            for k in 0..<size { dst[d &+ k] = src[s &+ k] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [indices.count] + sampleShape, scalars: out)
    }
}

/// A labelled dataset with a train and a test split.
public struct Dataset: Sendable {
    /// Registry name ("mnist", "fashion-mnist", "cifar10", "cifar100", "omniglot", or a folder's name).
    public var name: String
    /// Human-readable name of each original class, indexed by label.
    public var classNames: [String]
    public var train: DataSplit
    public var test: DataSplit
    /// Where the data was read from (file or folder), for results metadata and error messages.
    public var source: String

    public init(name: String, classNames: [String], train: DataSplit, test: DataSplit, source: String) {
        self.name = name
        self.classNames = classNames
        self.train = train
        self.test = test
        self.source = source
    }

    /// Number of classes.
    public var classCount: Int { classNames.count }
}
