/// Everything a results file (schema `cl-bench/1`) holds about one run (one learner, one
/// seed), as plain values. `ResultsReader` builds it from a file; reports, the regression
/// check and the CSV export are computed from it alone.
public struct RunRecord: Sendable {
    /// Where the record was read from.
    public var path: String
    /// Root attribute `status`: "running", "complete" or "failed".
    public var status: String
    /// Root attribute `error` (message of a failed run), if any.
    public var error: String?
    public var protocolName: String
    public var protocolYAML: String
    public var learner: String
    public var learnerConfig: String
    /// The root attribute `configuration` (`RunConfiguration`); nil in files written before it.
    public var configuration: RunConfiguration?
    public var seed: Int
    /// Root attribute `learner_type`: the registry name (differs from `learner` for labelled entries).
    public var learnerType: String = ""
    /// Convolution path of the run (`conv_kernels`: avx512, avx2 or im2col; empty in files
    /// written before it was recorded).
    public var convolutionKernels: String = ""
    public var startedAt: String
    public var finishedAt: String?
    public var harnessVersion: String
    public var gitCommit: String
    public var host: String
    public var blasCore: String
    public var blasThreads: Int
    public var peakRSSBytes: Int?
    /// The stream kind ("class-incremental", ...), from the protocol.
    public var streamKind: String

    /// `/stream/class_order`: original labels in order of appearance.
    public var classOrder: [Int]
    /// `/stream/task_classes` without the -1 padding.
    public var taskClasses: [[Int]]
    public var trainCounts: [Int]
    public var testCounts: [Int]

    /// `/eval/accuracy_matrix`, (T+1) x T; row 0 before training; NaN where not evaluated.
    /// For a run that stopped early, only rows 0 ... completed tasks are meaningful.
    public var accuracyMatrix: [[Double]]
    /// `/eval/pooled_accuracy` for each completed task.
    public var pooledAccuracy: [Double]
    /// `/eval/task_aware_accuracy` (streams with task ids at test time: task-incremental, permuted).
    public var taskAwareAccuracy: [[Double]]?
    /// `/eval/fscil_accuracy`: per session [all, base, novel, harmonic mean] (few-shot streams only).
    public var fscilAccuracy: [[Double]]?
    /// `/eval/uncertainty/*` of learners that give a predictive distribution, else nil.
    public var uncertainty: UncertaintyRecord? = nil
    /// `/eval/anytime_*` of online streams (rows not yet written are NaN), else nil.
    public var anytime: Metrics.Anytime? = nil
    /// `/learner/<label>/prototype_*` of prototype learners (psenn, prob-psenn), else nil.
    public var prototypes: PrototypeRecord? = nil
    /// `/metrics` attributes by key.
    public var metrics: [String: Double]
    public var trainSeconds: [Double]
    public var evalSeconds: [Double]

    public init(
        path: String, status: String, error: String? = nil, protocolName: String, protocolYAML: String = "",
        learner: String, learnerConfig: String = "", seed: Int, startedAt: String = "", finishedAt: String? = nil,
        harnessVersion: String = "", gitCommit: String = "", host: String = "", blasCore: String = "",
        blasThreads: Int = 1, peakRSSBytes: Int? = nil, streamKind: String = "class-incremental",
        classOrder: [Int] = [], taskClasses: [[Int]] = [], trainCounts: [Int] = [], testCounts: [Int] = [],
        accuracyMatrix: [[Double]] = [], pooledAccuracy: [Double] = [], taskAwareAccuracy: [[Double]]? = nil,
        fscilAccuracy: [[Double]]? = nil, metrics: [String: Double] = [:],
        trainSeconds: [Double] = [], evalSeconds: [Double] = []
    ) {
        self.path = path; self.status = status; self.error = error
        self.protocolName = protocolName; self.protocolYAML = protocolYAML
        self.learner = learner; self.learnerConfig = learnerConfig; self.seed = seed
        self.startedAt = startedAt; self.finishedAt = finishedAt
        self.harnessVersion = harnessVersion; self.gitCommit = gitCommit; self.host = host
        self.blasCore = blasCore; self.blasThreads = blasThreads; self.peakRSSBytes = peakRSSBytes
        self.streamKind = streamKind
        self.classOrder = classOrder; self.taskClasses = taskClasses
        self.trainCounts = trainCounts; self.testCounts = testCounts
        self.accuracyMatrix = accuracyMatrix; self.pooledAccuracy = pooledAccuracy
        self.taskAwareAccuracy = taskAwareAccuracy; self.fscilAccuracy = fscilAccuracy
        self.metrics = metrics; self.trainSeconds = trainSeconds; self.evalSeconds = evalSeconds
    }

    /// Number of tasks in the stream.
    public var taskCount: Int { taskClasses.count }
    /// Whether the run finished: only complete runs are averaged into tables.
    public var isComplete: Bool { status == "complete" }
}

/// The `/eval/uncertainty/*` datasets of a run (METRICS.md, "Uncertainty"): one value per
/// task (after each task), NaN where undefined or not reached.
public struct UncertaintyRecord: Sendable, Equatable {
    public var entropySeen: [Double]
    public var entropyUnseen: [Double]
    public var aurocUnseen: [Double]
    public var ece: [Double]
    /// Only for learners that sample (Monte Carlo).
    public var mutualInformationSeen: [Double]?
    public var mutualInformationUnseen: [Double]?
    /// Per confidence bin after the last task: [samples, mean confidence, accuracy].
    public var reliability: [[Double]]

    public init(
        entropySeen: [Double], entropyUnseen: [Double], aurocUnseen: [Double], ece: [Double],
        mutualInformationSeen: [Double]? = nil, mutualInformationUnseen: [Double]? = nil, reliability: [[Double]] = []
    ) {
        self.entropySeen = entropySeen; self.entropyUnseen = entropyUnseen; self.aurocUnseen = aurocUnseen;
        self.ece = ece
        self.mutualInformationSeen = mutualInformationSeen; self.mutualInformationUnseen = mutualInformationUnseen
        self.reliability = reliability
    }
}
