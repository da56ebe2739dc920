import CLTensor

/// What the runner gives a learner besides its hyperparameters: the run's seed, the
/// stream's shape, and sinks for diagnostics and progress. A learner never touches files:
/// what it records here, the runner writes under `/learner/<name>/` in the results file (its
/// weights and training curves come from its declared state, `LearnerState`).
public final class LearnerContext {
    /// The run's seed: learners derive every random choice from it.
    public let seed: UInt64
    /// Shape of one input sample ([C, H, W] or [d]).
    public let sampleShape: [Int]
    /// Total number of classes in the stream.
    public let totalClassCount: Int
    /// Number of tasks in the stream.
    public let taskCount: Int
    /// Stream kind name ("class-incremental", "task-incremental", ...).
    public let streamKind: String
    /// Stages shared with the other learners of the run (`reuse(_:compute:)`); a context made
    /// on its own has a cache of its own, so nothing is shared.
    public let stageCache: StageCache
    /// The content digest of the run's dataset, part of every stage key.
    public let datasetDigest: String
    /// "teen, seed 0": who computed a shared stage, in the notes of the learners that reuse it.
    public let learnerDescription: String

    /// Recorded diagnostics, by name relative to `/learner/<name>/`.
    public private(set) var diagnostics: [String: Tensor] = [:]
    /// Recorded text diagnostics (written as attributes), by name.
    public private(set) var notes: [String: String] = [:]
    /// Receives progress lines that belong in a log (one per epoch, say); always printed.
    public var progress: (String) -> Void
    /// Receives frequent status updates (batch counters, images/s, time left); shown as a
    /// live single line on a terminal and dropped otherwise, so CI logs stay short.
    public var liveStatus: (String) -> Void = { _ in }

    public init(
        seed: UInt64, sampleShape: [Int], totalClassCount: Int, taskCount: Int, streamKind: String,
        stageCache: StageCache = StageCache(), datasetDigest: String = "", learnerDescription: String = "",
        progress: @escaping (String) -> Void = { _ in }
    ) {
        self.seed = seed
        self.stageCache = stageCache
        self.datasetDigest = datasetDigest
        self.learnerDescription = learnerDescription
        self.sampleShape = sampleShape
        self.totalClassCount = totalClassCount
        self.taskCount = taskCount
        self.streamKind = streamKind
        self.progress = progress
    }

    /// Records a numeric diagnostic (a training curve, calibration weights, ...); a later
    /// record under the same name replaces it.
    public func record(_ name: String, _ value: Tensor) { diagnostics[name] = value }

    /// Records a short text diagnostic.
    public func note(_ name: String, _ text: String) { notes[name] = text }
}
