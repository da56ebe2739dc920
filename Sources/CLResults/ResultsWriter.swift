import Foundation
import HDF5Kit

/// Writes one run's results file in schema `cl-bench/1` (names exactly as DESIGN.md).
///
/// The file is created before the first task with status "running" and every dataset
/// at its final shape, filled with NaN (or -1); after each task its rows are written and
/// the file is flushed, so a run that dies keeps every completed task and still says
/// "running". Only `finish` sets "complete".
///
/// It takes plain values (the stream's layout, arrays with their shapes, the machine's
/// facts in `Metadata`): the runner converts its `TaskStream` and tensors (`CLRun`).
public final class ResultsWriter {
    public let path: String
    private let file: HDF5File
    private let taskCount: Int
    private let learnerName: String
    /// Held from creation to `finish`/`fail`: no second run writes this file meanwhile.
    private let lock: RunLock

    /// What kind of predictive distribution a learner gives.
    public enum UncertaintyKind: Sendable { case distribution, monteCarlo }

    /// The `/eval/uncertainty/*` datasets of METRICS.md (T values each), by row field.
    static let uncertaintyDatasets = ["entropy_seen", "entropy_unseen", "auroc_unseen", "ece"]
    static let monteCarloDatasets = ["mutual_information_seen", "mutual_information_unseen"]

    /// Metadata recorded as root attributes.
    public struct Metadata {
        public var protocolName: String
        public var protocolYAML: String
        public var learner: String
        /// Registry name of the learner (differs from `learner` when the protocol gives a label).
        public var learnerType: String = ""
        public var learnerConfig: String
        public var seed: Int
        public var streamKind: String
        public var dataset: String
        public var datasetSource: String
        public var trainingPreset: String?
        /// Whether the learner gives a predictive distribution (and whether it samples):
        /// then `/eval/uncertainty/*` is written.
        public var uncertainty: UncertaintyKind? = nil
        /// The BLAS kernel, its thread count and the convolution path the run computes with
        /// (`blas_core`, `blas_threads`, `conv_kernels`).
        public var blasCore: String = ""
        public var blasThreads: Int = 0
        public var convolutionKernels: String = ""
        /// Everything that determines the run apart from its seed (`RunConfiguration`), and its
        /// digest: the root attributes `configuration` and `configuration_digest`.
        public var configuration: String = ""
        public var configurationDigest: String = ""

        public init(
            protocolName: String, protocolYAML: String, learner: String, learnerConfig: String, seed: Int,
            streamKind: String, dataset: String, datasetSource: String, trainingPreset: String? = nil
        ) {
            self.protocolName = protocolName; self.protocolYAML = protocolYAML; self.learner = learner
            self.learnerConfig = learnerConfig; self.seed = seed; self.streamKind = streamKind
            self.dataset = dataset; self.datasetSource = datasetSource; self.trainingPreset = trainingPreset
        }
    }

    /// What `/stream` records of the run's task stream.
    public struct StreamLayout: Sendable {
        /// Original labels in order of appearance.
        public var classOrder: [Int]
        /// The labels each task introduces.
        public var taskClasses: [[Int]]
        public var trainCounts: [Int]
        public var testCounts: [Int]
        /// Whether the stream gives task ids at test time (then `/eval/task_aware_accuracy`).
        public var recordsTaskAwareAccuracy: Bool
        /// Whether it is a few-shot stream (then `/eval/fscil_accuracy`).
        public var fewShot: Bool
        /// Online streams: the stream position of every anytime evaluation point (then
        /// `/eval/anytime_accuracy`, `/eval/anytime_position`, `/eval/anytime_pooled`).
        public var anytimePositions: [Int]? = nil

        public init(
            classOrder: [Int], taskClasses: [[Int]], trainCounts: [Int], testCounts: [Int],
            recordsTaskAwareAccuracy: Bool, fewShot: Bool
        ) {
            self.classOrder = classOrder; self.taskClasses = taskClasses
            self.trainCounts = trainCounts; self.testCounts = testCounts
            self.recordsTaskAwareAccuracy = recordsTaskAwareAccuracy; self.fewShot = fewShot
        }
    }

    /// Reopens the results file of an incomplete run to continue it after task
    /// `completedTasks - 1`: status back to `running`, the stop's error and end time removed,
    /// and the resume noted in the root attribute `resumed` ("after task 3 at <time>; ...").
    public init(resuming path: String, completedTasks: Int, taskCount: Int, learner: String) throws {
        self.path = path
        self.taskCount = taskCount
        self.learnerName = learner
        lock = try RunLock(resultsPath: path)
        do { file = try HDF5File.open(path, writable: true) } catch let error as HDF5Error {
            throw InputError(
                file: path, "cannot reopen to resume (\(error.message)); delete it and its .checkpoint to start again")
        }
        let earlier = (try file.attribute("resumed")?.stringValue).map { $0 + "; " } ?? ""
        try file.setAttribute(
            "resumed",
            .string(earlier + "after task \(completedTasks) of \(taskCount) at \(RunEnvironment.timestamp())"))
        try file.setAttribute("status", .string("running"))
        try file.setAttribute("completed_tasks", .integer(Int64(completedTasks)))
        try file.removeAttribute("error")
        try file.removeAttribute("finished_at")
        try file.flush()
    }

    /// Creates the file (and its folder). An existing file at `path` is kept as
    /// `<path>.previous` rather than destroyed.
    public init(path: String, metadata: Metadata, layout stream: StreamLayout) throws {
        self.path = path
        self.taskCount = stream.taskClasses.count
        self.learnerName = metadata.learner
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: folder, "cannot create the output folder (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) else {
            throw InputError(file: folder, "the output folder is not writable")
        }
        lock = try RunLock(resultsPath: path)
        if FileManager.default.fileExists(atPath: path) {
            let previous = path + ".previous"
            try? FileManager.default.removeItem(atPath: previous)
            try? FileManager.default.moveItem(atPath: path, toPath: previous)
        }
        file = try HDF5File.create(path)

        let strings: [(String, String)] = [
            ("schema", RunEnvironment.schema), ("status", "running"),
            ("protocol_yaml", metadata.protocolYAML), ("protocol_name", metadata.protocolName),
            ("learner", metadata.learner),
            ("learner_type", metadata.learnerType.isEmpty ? metadata.learner : metadata.learnerType),
            ("learner_config", metadata.learnerConfig),
            ("started_at", RunEnvironment.timestamp()), ("harness_version", RunEnvironment.harnessVersion),
            ("git_commit", RunEnvironment.gitCommit), ("host", RunEnvironment.host),
            ("blas_core", metadata.blasCore), ("conv_kernels", metadata.convolutionKernels),
            ("stream_kind", metadata.streamKind),
            ("dataset", metadata.dataset), ("dataset_source", metadata.datasetSource),
            ("training_preset", metadata.trainingPreset ?? "none"),
            ("configuration", metadata.configuration), ("configuration_digest", metadata.configurationDigest),
        ]
        for (name, value) in strings { try file.setAttribute(name, .string(value)) }
        try file.setAttribute("seed", .integer(Int64(metadata.seed)))
        try file.setAttribute("blas_threads", .integer(Int64(metadata.blasThreads)))

        // /stream
        let t = stream.taskClasses.count
        let classCount = stream.classOrder.count
        try file.write(stream.classOrder.map { Int32($0) }, shape: [classCount], at: "/stream/class_order")
        let width = max(1, stream.taskClasses.map { $0.count }.max() ?? 1)
        var padded = [Int32](repeating: -1, count: t * width)
        for (i, classes) in stream.taskClasses.enumerated() {
            for (k, label) in classes.enumerated() { padded[i * width + k] = Int32(label) }
        }
        try file.write(padded, shape: [t, width], at: "/stream/task_classes")
        try file.write(stream.trainCounts.map { Int32($0) }, shape: [t], at: "/stream/train_counts")
        try file.write(stream.testCounts.map { Int32($0) }, shape: [t], at: "/stream/test_counts")

        // /eval and /timing at their final shapes, NaN / -1 until written.
        try file.createDataset(Double.self, shape: [t + 1, t], at: "/eval/accuracy_matrix")
        try file.createDataset(Double.self, shape: [t], at: "/eval/pooled_accuracy")
        try file.createDataset(Double.self, shape: [t, classCount], at: "/eval/per_class_accuracy")
        try file.setAttribute(
            "columns", .string("learner label: position in /stream/class_order"), at: "/eval/per_class_accuracy")
        try file.createDataset(Int32.self, shape: [t, 3], at: "/eval/old_new_errors")
        try file.setAttribute(
            "columns", .string("errors into old classes, into the current task's classes, into unseen classes"),
            at: "/eval/old_new_errors")
        if stream.recordsTaskAwareAccuracy {
            try file.createDataset(Double.self, shape: [t + 1, t], at: "/eval/task_aware_accuracy")
        }
        if stream.fewShot {
            try file.createDataset(Double.self, shape: [t, 4], at: "/eval/fscil_accuracy")
            try file.setAttribute(
                "columns", .string("all seen, base, novel, harmonic mean"), at: "/eval/fscil_accuracy")
        }
        if let positions = stream.anytimePositions {
            // Positions are known before the run; accuracies are NaN until their task ends.
            try file.createDataset(Double.self, shape: [positions.count, t], at: "/eval/anytime_accuracy")
            try file.write(positions.map { Int64($0) }, shape: [positions.count], at: "/eval/anytime_position")
            try file.createDataset(Double.self, shape: [positions.count], at: "/eval/anytime_pooled")
            try file.setAttribute(
                "columns", .string("task; NaN for tasks not yet reached"), at: "/eval/anytime_accuracy")
        }
        if let kind = metadata.uncertainty {
            for name in Self.uncertaintyDatasets + (kind == .monteCarlo ? Self.monteCarloDatasets : []) {
                try file.createDataset(Double.self, shape: [t], at: "/eval/uncertainty/\(name)")
            }
            try file.createDataset(
                Double.self, shape: [UncertaintyMetrics.calibrationBins, 3], at: "/eval/uncertainty/reliability")
            try file.setAttribute(
                "columns",
                .string(
                    "per confidence bin (b/15, (b+1)/15] after the last task, seen samples: samples, mean confidence, "
                        + "accuracy"
                ),
                at: "/eval/uncertainty/reliability")
        }
        try file.createDataset(Double.self, shape: [t], at: "/timing/train_seconds")
        try file.createDataset(Double.self, shape: [t], at: "/timing/eval_seconds")
        try file.createGroup("/metrics")
        try file.flush()
    }

    /// Records the evaluation before any training (row 0 of the matrices).
    public func writeInitialEvaluation(_ evaluation: TaskEvaluation) throws {
        try file.writeRows(evaluation.taskAccuracy, startingAt: 0, at: "/eval/accuracy_matrix")
        if let aware = evaluation.taskAwareAccuracy, file.exists("/eval/task_aware_accuracy") {
            try file.writeRows(aware, startingAt: 0, at: "/eval/task_aware_accuracy")
        }
        try file.flush()
    }

    /// Records task `task`'s evaluation and timings, then flushes.
    public func writeTask(
        _ task: Int, evaluation: TaskEvaluation, uncertainty: UncertaintyRow? = nil,
        trainSeconds: Double, evalSeconds: Double
    ) throws {
        if let row = uncertainty, file.exists("/eval/uncertainty/ece") {
            let values: [(String, Double?)] = [
                ("entropy_seen", row.entropySeen), ("entropy_unseen", row.entropyUnseen),
                ("auroc_unseen", row.aurocUnseen), ("ece", row.ece),
                ("mutual_information_seen", row.mutualInformationSeen),
                ("mutual_information_unseen", row.mutualInformationUnseen),
            ]
            for (name, value) in values {
                if let value, file.exists("/eval/uncertainty/\(name)") {
                    try file.writeRows([value], startingAt: task, at: "/eval/uncertainty/\(name)")
                }
            }
        }
        try file.writeRows(evaluation.taskAccuracy, startingAt: task + 1, at: "/eval/accuracy_matrix")
        try file.writeRows([evaluation.pooledAccuracy], startingAt: task, at: "/eval/pooled_accuracy")
        try file.writeRows(evaluation.perClassAccuracy, startingAt: task, at: "/eval/per_class_accuracy")
        try file.writeRows(evaluation.oldNewErrors, startingAt: task, at: "/eval/old_new_errors")
        if let aware = evaluation.taskAwareAccuracy, file.exists("/eval/task_aware_accuracy") {
            try file.writeRows(aware, startingAt: task + 1, at: "/eval/task_aware_accuracy")
        }
        if let fewShot = evaluation.fewShotAccuracy, file.exists("/eval/fscil_accuracy") {
            try file.writeRows(fewShot, startingAt: task, at: "/eval/fscil_accuracy")
        }
        try file.writeRows([trainSeconds], startingAt: task, at: "/timing/train_seconds")
        try file.writeRows([evalSeconds], startingAt: task, at: "/timing/eval_seconds")
        try file.setAttribute("completed_tasks", .integer(Int64(task + 1)))
        try file.setAttribute("peak_rss_bytes", .integer(Int64(RunEnvironment.peakResidentBytes)))
        try file.flush()
    }

    /// Records anytime evaluation points `first ..< first + rows.count` of an online stream
    /// (their a_j(e) rows and pooled accuracies), then flushes.
    public func writeAnytime(rows: [[Double]], pooled: [Double], startingAt first: Int) throws {
        guard file.exists("/eval/anytime_accuracy") else { return }
        for (offset, (row, value)) in zip(rows, pooled).enumerated() {
            try file.writeRows(row, startingAt: first + offset, at: "/eval/anytime_accuracy")
            try file.writeRows([value], startingAt: first + offset, at: "/eval/anytime_pooled")
        }
        try file.flush()
    }

    /// Writes the reliability diagram after the last task ([15 bins, 3]).
    public func writeReliability(_ bins: [[Double]]) throws {
        guard file.exists("/eval/uncertainty/reliability") else { return }
        for (b, bin) in bins.enumerated() {
            try file.writeRows(bin, startingAt: b, at: "/eval/uncertainty/reliability")
        }
        try file.flush()
    }

    /// Writes a learner's diagnostics under `/learner/<name>/`.
    public func writeDiagnostics(_ arrays: [String: StoredArray], notes: [String: String]) throws {
        let group = "/learner/\(learnerName)"
        try file.createGroup(group)
        for (name, array) in arrays.sorted(by: { $0.key < $1.key }) {
            let objectPath = "\(group)/\(name)"
            if file.exists(objectPath) { continue }
            try file.write(
                array.scalars, shape: array.shape, at: objectPath, compression: array.scalars.count > 4096 ? 4 : nil)
        }
        for (name, text) in notes.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(name, .string(text), at: group)
        }
        try file.flush()
    }

    /// Writes the learner's final weights under `/learner/<name>/weights/<parameter name>`
    /// (names as the learner gives them, e.g. PyTorch state-dict keys; '/' is kept as a group).
    public func writeWeights(_ weights: [String: StoredArray]) throws {
        guard !weights.isEmpty else { return }
        let group = "/learner/\(learnerName)/weights"
        try file.createGroup(group)
        for (name, array) in weights.sorted(by: { $0.key < $1.key }) {
            try file.write(
                array.scalars, shape: array.shape, at: "\(group)/\(name)",
                compression: array.scalars.count > 4096 ? 4 : nil)
        }
        try file.flush()
    }

    /// Writes the metrics and marks the run complete.
    public func finish(metrics: [String: Double]) throws {
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(key, .double(value), at: "/metrics")
        }
        try file.setAttribute("peak_rss_bytes", .integer(Int64(RunEnvironment.peakResidentBytes)))
        try file.setAttribute("finished_at", .string(RunEnvironment.timestamp()))
        try file.setAttribute("status", .string("complete"))
        try file.flush()
        file.close()
        lock.release()
    }

    /// Marks the run failed with `message`; completed tasks stay in the file.
    public func fail(_ message: String) {
        stop(status: "failed", message: message)
    }

    /// Marks the run interrupted (a signal; `--resume` continues it); completed tasks stay.
    public func interrupt(_ message: String) {
        stop(status: "interrupted", message: message)
    }

    private func stop(status: String, message: String) {
        try? file.setAttribute("status", .string(status))
        try? file.setAttribute("error", .string(message))
        try? file.setAttribute("finished_at", .string(RunEnvironment.timestamp()))
        try? file.setAttribute("peak_rss_bytes", .integer(Int64(RunEnvironment.peakResidentBytes)))
        try? file.flush()
        file.close()
        lock.release()
    }
}
