import CLTensor

/// `nmc`: the nearest-mean classifier on a fixed backbone — NMC (Janson et al., "A Simple
/// Baseline that Questions the Use of Pretrained-Models in Continual Learning") and
/// SimpleCIL (Zhou et al., "Revisiting Class-Incremental Learning with Pre-Trained
/// Models", code zhoudw-zdw/RevisitingCIL). Training-free: it only averages features.
///
/// Prototypes are streaming means: per class a float64 sum and a count, so the mean is
/// the same for any sample order and any split into tasks (task-free), and classes that
/// receive no new samples keep bit-identical prototypes.
public struct NearestMeanClassifier: Learner, StateContainer {
    public static let name = "nmc"
    public static let summary = "Nearest class mean on a fixed backbone (NMC / SimpleCIL); training-free."
    static let metric = Hyperparameter<Metric>(
        "metric", default: .cosine,
        help: "cosine: argmax cos(f(x), mu_c) (SimpleCIL). euclidean: features L2-normalised, mu_c the mean of "
            + "normalised features (not re-normalised), argmin ||n(f(x)) - mu_c|| (NMC paper).")
    static let featureBatch = Hyperparameter<Int>(
        "feature_batch", default: 1024, .within(1...1 << 24),
        help: "samples per feature-extraction batch (memory only; results do not depend on it).")
    static let trainBase = Hyperparameter<Bool>(
        "train_base", default: false, .untrainedPretrainedBackbone,
        help: "train the backbone on task 0 with a cosine classifier (T = 16, the protocol's training: block), then "
            + "freeze it (the base session of teen; same seed gives the same backbone).")
    public static let hyperparameters = [metric.spec, featureBatch.spec, trainBase.spec]

    /// Scoring rule.
    public enum Metric: String, Sendable, CaseIterable, HyperparameterChoice { case cosine, euclidean }

    public let metric: Metric
    let featureBatch: Int
    /// The feature extractor: fixed, or trained by the base session on the first task.
    let backbone: BaseSessionBackbone
    /// Test-batch features of the frozen backbone (see `FrozenFeatureMemo`).
    private let memo = FrozenFeatureMemo()
    /// Per class (learner label): float64 sum of (cosine: raw, euclidean: normalised) features.
    @Saved private(set) var sums: [[Double]] = []
    /// Per class: number of samples averaged.
    @Saved private(set) var counts: [Int] = []

    public init(config: LearnerConfig, context: LearnerContext) throws {
        metric = config[Self.metric]
        featureBatch = config[Self.featureBatch]
        backbone = try BaseSessionBackbone(
            config: config.backbone, training: config.training, trainsBase: config[Self.trainBase], context: context)
    }

    /// Builds an NMC directly on a feature extractor (tests, and learners built on NMC).
    public init(metric: Metric, backbone: any FeatureExtractor, featureBatch: Int = 1024) {
        self.init(metric: metric, backbone: BaseSessionBackbone(fixed: backbone), featureBatch: featureBatch)
    }

    /// Builds an NMC on a backbone that may train a base session (`teen`).
    public init(metric: Metric, backbone: BaseSessionBackbone, featureBatch: Int = 1024) {
        self.metric = metric
        self.backbone = backbone
        self.featureBatch = featureBatch
    }

    public mutating func learn(_ task: TaskData) throws {
        if backbone.awaitsBaseSession { try backbone.trainBaseSession(on: task) }
        var start = 0
        while start < task.count {
            let end = min(start + featureBatch, task.count)
            let features = backbone.features(of: task.inputs(start..<end))
            accumulate(features, labels: Array(task.labels[start..<end]))
            start = end
        }
    }

    /// Adds feature rows to their classes' running sums.
    public mutating func accumulate(_ features: Tensor, labels: [Int32]) {
        let d = features.shape[1]
        let needed = Int(labels.max() ?? -1) + 1
        let norms = metric == .euclidean ? features.rowNorms() : []
        while sums.count < needed { sums.append([Double](repeating: 0, count: d)); counts.append(0) }
        features.scalars.withUnsafeBufferPointer { f in
            for (row, label) in labels.enumerated() {
                let c = Int(label), base = row &* d
                var scale = 1.0
                if metric == .euclidean {
                    let norm = Double(norms[row])
                    scale = norm > 0 ? 1 / norm : 0
                }
                sums[c].withUnsafeMutableBufferPointer { s in
                    for k in 0..<d { s[k] += Double(f[base &+ k]) * scale }
                }
                counts[c] += 1
            }
        }
    }

    /// The class means as a [classes, d] tensor (zero rows for classes without samples).
    public var prototypes: Tensor {
        let d = sums.first?.count ?? backbone.featureDimension
        var values = [Float](repeating: 0, count: sums.count * d)
        for c in 0..<sums.count where counts[c] > 0 {
            let n = Double(counts[c])
            for k in 0..<d { values[c * d + k] = Float(sums[c][k] / n) }
        }
        return Tensor(shape: [sums.count, d], scalars: values)
    }

    /// Features of a runner's test batch on the current backbone, memoised while it stays frozen.
    func testFeatures(of batch: TestBatch) -> Tensor { memo.features(of: batch, using: backbone.extractor) }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction {
        Prediction(scores: scores(features: backbone.features(of: batch), prototypes: prototypes))
    }

    /// As `predict`, on the memoised features of the batch.
    public func evaluate(_ batch: TestBatch, request: EvaluationRequest, generator: inout SeededGenerator)
        -> BatchEvaluation
    {
        BatchEvaluation(
            taskAgnostic: Prediction(scores: scores(features: testFeatures(of: batch), prototypes: prototypes)))
    }

    /// Scores of feature rows against prototype rows under this learner's metric; classes
    /// without samples score -infinity.
    public func scores(features: Tensor, prototypes: Tensor) -> Tensor {
        // Queries are not normalised in place (a full copy of the batch): the small
        // [n, classes] product is scaled by 1 / ||f|| instead.
        let classCount = prototypes.shape[0], rows = features.shape[0]
        let queryNorms = features.rowNorms()
        var result: Tensor
        var offsets = [Float](repeating: 0, count: classCount)
        switch metric {
        case .cosine:
            result = matrixProduct(features, prototypes.rowsNormalized(), transposeB: true)
        case .euclidean:
            // -||q - mu||² = 2 q·mu - ||mu||² - ||q||², with q = f / ||f|| so ||q||² = 1 (0 for a zero feature).
            result = matrixProduct(features, prototypes, transposeB: true)
            offsets = prototypes.rowNorms().map { $0 * $0 }
        }
        let isEuclidean = metric == .euclidean
        result.scalars.withUnsafeMutableBufferPointer { s in
            for r in 0..<rows {
                let inverse: Float = queryNorms[r] > 0 ? 1 / queryNorms[r] : 0
                let queryTerm: Float = isEuclidean && queryNorms[r] > 0 ? 1 : 0
                let base = r &* classCount
                for c in 0..<classCount {
                    let product = s[base &+ c] * inverse
                    s[base &+ c] = isEuclidean ? 2 * product - offsets[c] - queryTerm : product
                }
            }
            for c in 0..<classCount where counts.indices.contains(c) && counts[c] == 0 {
                for r in 0..<rows { s[r &* classCount &+ c] = -.infinity }
            }
        }
        return result
    }
}
