import CLTensor

/// `teen`: training-free prototype calibration for few-shot class-incremental learning
/// (Wang et al., "Few-Shot Class-Incremental Learning via Training-Free Prototype
/// Calibration", NeurIPS 2023; official code wangkiw/TEEN, `models/teen/Network.py`).
///
/// - Base session (task 0): `BaseSessionTraining` trains the backbone with a cosine
///   classifier (T = 16) and freezes it; the classifier is then replaced by the base
///   prototypes p_b, class means of the frozen features under the test transform (no
///   augmentation, evaluation-mode batch norm), as the code's `replace_base_fc`.
/// - Each later session: p_c = mean feature of each new class's shots, calibrated once,
///   in its own session, towards the base prototypes (`PrototypeCalibration`; the bank
///   holds base prototypes only, never earlier novel classes, as in `soft_calibration`).
/// - Classifier over all seen classes: logits_k = T · cos(f(x), p̂_k) (base: p̂_b = p_b).
///
/// Paper versus code: where the paper's equations leave normalisation implicit, this
/// follows the code (novel prototype and base bank L2-normalised before mixing, the
/// weighted base direction re-normalised; see `PrototypeCalibration`). Class means are
/// exact streaming float64 means (shared with `nmc`), so with `shift_weight: 0` the
/// predictions are those of `nmc` (cosine) on the same backbone.
///
/// Diagnostics under `/learner/<label>/`: `novel_classes` (learner labels),
/// `calibration_weights` [novel, base] (w_{c,b}), `calibration_top_classes` and
/// `calibration_top_weights` [novel, top_k] (the most similar base classes and their
/// weights), plus the base session's `train_loss` / `train_accuracy` curves.
public struct TEEN: Learner {
    public static let name = "teen"
    public static let summary =
        "TEEN (NeurIPS 2023): base-trained frozen backbone, novel prototypes calibrated towards similar base "
        + "prototypes; training-free after the base session."
    static let softmaxT = Hyperparameter<Double>(
        "softmax_t", default: 16, .greaterThan(0),
        help: "tau: temperature of the softmax over cos(p_c, p_b) that weights the base prototypes.")
    static let shiftWeight = Hyperparameter<Double>(
        "shift_weight", default: 0.1, .within(0...1),
        help: "alpha: weight of the base direction in the calibrated prototype (code: 0.1 CIFAR, 0.5 "
            + "miniImageNet/CUB); 0 gives plain cosine prototypes.")
    static let logitScale = Hyperparameter<Double>(
        "temperature", default: 16, .greaterThan(0),
        help: "T: scale of the cosine logits (16 for CIFAR, 32 otherwise; does not change predictions).")
    static let trainBase = Hyperparameter<Bool>(
        "train_base", default: true, .untrainedPretrainedBackbone,
        help: "train the backbone on task 0 with a cosine classifier before freezing it (false: use the backbone "
            + "as initialised).")
    static let topK = Hyperparameter<Int>(
        "top_k", default: 5, .within(1...1 << 24),
        help: "how many most-similar base classes per novel class to record as diagnostics (results do not depend "
            + "on it).")
    static let featureBatch = Hyperparameter<Int>(
        "feature_batch", default: 1024, .within(1...1 << 24),
        help: "samples per feature-extraction batch (memory only).")
    public static let hyperparameters = [
        softmaxT.spec, shiftWeight.spec, logitScale.spec, trainBase.spec, topK.spec,
        featureBatch.spec,
    ]

    public let softmaxTemperature: Double
    public let shiftWeight: Double
    public let temperature: Float
    let topK: Int
    /// Streaming class means on the (frozen) backbone, trained by the base session; cosine metric.
    private(set) var means: NearestMeanClassifier
    private let context: LearnerContext?
    /// Learner labels of the base classes (task 0), in bank order; nil before the first task.
    @Saved public private(set) var baseClasses: [Int]? = nil
    /// Calibrated prototype of every novel class, by learner label.
    @Saved public internal(set) var calibrated: [Int: [Float]] = [:]
    /// Calibrations in the order they were made (diagnostics).
    @Saved private(set) var calibrations: [NovelCalibration] = []

    /// One novel class's calibration.
    struct NovelCalibration: Codable {
        let novelClass: Int
        let calibration: PrototypeCalibration
    }

    public init(config: LearnerConfig, context: LearnerContext) throws {
        softmaxTemperature = config[Self.softmaxT]
        shiftWeight = config[Self.shiftWeight]
        temperature = Float(config[Self.logitScale])
        topK = config[Self.topK]
        let backbone = try BaseSessionBackbone(
            config: config.backbone, training: config.training, trainsBase: config[Self.trainBase], context: context)
        means = NearestMeanClassifier(metric: .cosine, backbone: backbone, featureBatch: config[Self.featureBatch])
        self.context = context
    }

    /// TEEN on a given (frozen) feature extractor, without base training (tests).
    public init(
        backbone: any FeatureExtractor, softmaxTemperature: Double = 16, shiftWeight: Double = 0.1,
        temperature: Float = 16, topK: Int = 5
    ) {
        self.softmaxTemperature = softmaxTemperature
        self.shiftWeight = shiftWeight
        self.temperature = temperature
        self.topK = topK
        means = NearestMeanClassifier(metric: .cosine, backbone: backbone)
        context = nil
    }

    public mutating func learn(_ task: TaskData) throws {
        try means.learn(task)
        guard let baseClasses else {
            self.baseClasses = task.classes
            return
        }
        let prototypes = means.prototypes
        let bank = baseClasses.map { row(prototypes, $0) }
        for novelClass in task.classes where calibrated[novelClass] == nil && !baseClasses.contains(novelClass) {
            let calibration = PrototypeCalibration(
                prototype: row(prototypes, novelClass), bank: bank,
                softmaxTemperature: softmaxTemperature, shiftWeight: shiftWeight)
            calibrated[novelClass] = calibration.calibrated
            calibrations.append(NovelCalibration(novelClass: novelClass, calibration: calibration))
        }
        recordCalibrations()
    }

    /// The classifier's prototypes: base class means and calibrated novel prototypes, one
    /// row per learner label (zero rows for classes not seen yet).
    public var classifierPrototypes: Tensor {
        var prototypes = means.prototypes
        let d = prototypes.shape[1]
        for (novelClass, values) in calibrated where novelClass < prototypes.shape[0] {
            for k in 0..<d { prototypes.scalars[novelClass * d + k] = values[k] }
        }
        return prototypes
    }

    public func predict(_ batch: Tensor, task: Int?) -> Prediction {
        scores(features: means.backbone.features(of: batch))
    }

    /// As `predict`, on the memoised features of the batch.
    public func evaluate(_ batch: TestBatch, request: EvaluationRequest, generator: inout SeededGenerator)
        -> BatchEvaluation
    {
        BatchEvaluation(taskAgnostic: scores(features: means.testFeatures(of: batch)))
    }

    /// T · cos(f(x), p̂_k) over the seen classes; -infinity for the others.
    private func scores(features: Tensor) -> Prediction {
        let prototypes = classifierPrototypes
        var logits = matrixProduct(features.rowsNormalized(), prototypes.rowsNormalized(), transposeB: true)
        let classes = prototypes.shape[0], seen = Set(means.counts.indices.filter { means.counts[$0] > 0 })
        let scale = temperature
        logits.scalars.withUnsafeMutableBufferPointer { s in
            for r in 0..<features.shape[0] {
                for c in 0..<classes {
                    s[r &* classes &+ c] = seen.contains(c) ? scale * s[r &* classes &+ c] : -.infinity
                }
            }
        }
        return Prediction(scores: logits)
    }

    /// Writes the calibration weights of every novel class so far into the diagnostics.
    private func recordCalibrations() {
        guard let context, let baseClasses, !calibrations.isEmpty else { return }
        let novel = calibrations.count, base = baseClasses.count, k = min(topK, base)
        var weights = [Float](), topClasses = [Float](), topWeights = [Float]()
        for calibration in calibrations.map(\.calibration) {
            weights += calibration.weights.map(Float.init)
            let top = calibration.topBaseClasses(k)
            topClasses += top.map { Float(baseClasses[$0]) }
            topWeights += top.map { Float(calibration.weights[$0]) }
        }
        context.record("novel_classes", Tensor(shape: [novel], scalars: calibrations.map { Float($0.novelClass) }))
        context.record("calibration_weights", Tensor(shape: [novel, base], scalars: weights))
        context.record("calibration_top_classes", Tensor(shape: [novel, k], scalars: topClasses))
        context.record("calibration_top_weights", Tensor(shape: [novel, k], scalars: topWeights))
    }

    private func row(_ matrix: Tensor, _ index: Int) -> [Float] {
        let d = matrix.shape[1]
        return Array(matrix.scalars[(index * d)..<((index + 1) * d)])
    }
}
