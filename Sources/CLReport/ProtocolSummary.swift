import CLResults

/// Everything the report shows for one protocol.
public struct ProtocolSummary: Sendable {
    public let protocolName: String
    /// Learners with at least one complete run, sorted by name.
    public let learners: [LearnerSummary]
    /// Runs whose status is not "complete" (running or failed): listed, never averaged.
    public let incompleteRuns: [RunRecord]

    public init(protocolName: String, records: [RunRecord]) {
        self.protocolName = protocolName
        let complete = records.filter(\.isComplete)
        learners = Set(complete.map(\.learner)).sorted().map { name in
            LearnerSummary(learner: name, runs: complete.filter { $0.learner == name })
        }
        incompleteRuns = records.filter { !$0.isComplete }.sorted {
            ($0.learner, $0.seed, $0.path) < ($1.learner, $1.seed, $1.path)
        }
    }

    /// Every run, complete first.
    public var allRuns: [RunRecord] { learners.flatMap(\.runs) + incompleteRuns }

    /// The stream kind, from the first run.
    public var streamKind: String { allRuns.first?.streamKind ?? "" }

    /// Number of tasks (the largest any run reports).
    public var taskCount: Int { allRuns.map(ReportRun.taskCount).max() ?? 0 }

    /// The protocol YAML text; runs of one protocol share it unless the file was edited
    /// between runs, in which case every distinct text is returned.
    public var protocolTexts: [String] {
        var texts: [String] = []
        for run in allRuns where !run.protocolYAML.isEmpty && !texts.contains(run.protocolYAML) {
            texts.append(run.protocolYAML)
        }
        return texts
    }

    /// Groups records by protocol, sorted by protocol name.
    public static func group(_ records: [RunRecord]) -> [ProtocolSummary] {
        Set(records.map(\.protocolName)).sorted().map { name in
            ProtocolSummary(protocolName: name, records: records.filter { $0.protocolName == name })
        }
    }
}
