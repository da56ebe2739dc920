/// A number a paper (or its authors' repository) reports for one learner entry of a protocol,
/// with the setting it was measured in, so that the results table shows it beside ours and
/// nobody mistakes a CPU-sized run for the paper's:
///
/// ```yaml
/// paper:
///   - { learner: hypernet-mlp, metric: final_task_aware_accuracy, value: 0.9972,
///       setting: "posterior_replay_cl README, MLP (100, 100), 5000 iterations per task, one run" }
/// ```
public struct PaperReference: Sendable, Equatable {
    /// The learner entry's label in the protocol.
    public var learner: String
    /// A metric key (`MetricCatalog` or the task-aware keys).
    public var metric: String
    /// As a fraction, like every accuracy in cl-bench.
    public var value: Double
    /// Where the number comes from and how it differs from the protocol's own setting.
    public var setting: String

    public init(learner: String, metric: String, value: Double, setting: String) {
        self.learner = learner
        self.metric = metric
        self.value = value
        self.setting = setting
    }
}

/// What the results table reads from the protocol text a results file carries
/// (`protocol_yaml`), without validating the protocol again: a results file of a learner
/// from a user's own package must still be tabulated by a cl-bench that does not know it.
/// Read from the text by `init(text:)` (CLConfig, which owns the YAML reader).
public struct ProtocolTextFacts: Sendable {
    /// Presets by learner label: the entry's `training.preset`, else the protocol's.
    public var presets: [String: String] = [:]
    public var paperReferences: [PaperReference] = []

    public init(presets: [String: String] = [:], paperReferences: [PaperReference] = []) {
        self.presets = presets
        self.paperReferences = paperReferences
    }
}
