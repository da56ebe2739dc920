import CLData
import Yams

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

    static let keys = ["learner", "metric", "value", "setting"]

    /// The `paper:` list of a protocol; `labels` are the protocol's learner labels, which
    /// every reference must name.
    static func list(_ node: Node, labels: [String], _ reader: NodeReader) throws -> [PaperReference] {
        guard case .sequence(let items) = node else {
            throw reader.error(node, "paper", "expected a list of { learner, metric, value, setting }")
        }
        return try items.enumerated().map { position, item in
            let context = "paper[\(position)]"
            let fields = try reader.mapping(item, context, allowed: keys)
            func field(_ key: String) throws -> Node {
                try reader.required(fields, key, in: item, context: context + ".")
            }
            let learnerNode = try field("learner")
            let learner = try reader.string(learnerNode, context + ".learner")
            guard labels.contains(learner) else {
                throw reader.error(
                    learnerNode, context + ".learner",
                    "'\(learner)' is not a learner of this protocol (its labels: \(labels.joined(separator: ", ")))")
            }
            let metricNode = try field("metric")
            let metric = try reader.string(metricNode, context + ".metric")
            guard ParityRule.knownMetrics.contains(metric) else {
                throw reader.error(metricNode, context + ".metric", "unknown metric '\(metric)'")
            }
            let valueNode = try field("value")
            let value = try reader.number(valueNode, context + ".value")
            guard (0...1).contains(value) else {
                throw reader.error(
                    valueNode, context + ".value", "expected a fraction in [0, 1] (99.72% is 0.9972), got \(value)")
            }
            let setting = try reader.string(try field("setting"), context + ".setting")
            return PaperReference(learner: learner, metric: metric, value: value, setting: setting)
        }
    }
}

/// What the results table reads from the protocol text a results file carries
/// (`protocol_yaml`), without validating the protocol again: a results file of a learner
/// from a user's own package must still be tabulated by a cl-bench that does not know it.
public struct ProtocolTextFacts: Sendable {
    /// Presets by learner label: the entry's `training.preset`, else the protocol's.
    public var presets: [String: String] = [:]
    public var paperReferences: [PaperReference] = []

    /// Facts of `text`; an unreadable text gives none (the file was validated when it ran).
    public init(text: String) {
        guard let root = try? Yams.compose(yaml: text), let top = root.mapping else { return }
        let basePreset = top["training"]?.mapping?["preset"]?.string
        var labels: [String] = []
        for entry in top["learners"]?.sequence ?? [] {
            let name = entry.string ?? entry.mapping?["name"]?.string
            guard let label = entry.mapping?["label"]?.string ?? name else { continue }
            labels.append(label)
            if let preset = entry.mapping?["training"]?.mapping?["preset"]?.string ?? basePreset {
                presets[label] = preset
            }
        }
        if let paper = top["paper"] {
            paperReferences = (try? PaperReference.list(paper, labels: labels, NodeReader(path: ""))) ?? []
        }
    }
}
