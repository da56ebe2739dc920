import CLData
import CLResults
import Yams

// The `paper:` list of a protocol and the facts the results table takes from a protocol
// text, read with the one YAML reader (`NodeReader`).

extension PaperReference {
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

extension ProtocolTextFacts {
    /// Facts of `text`; an unreadable text gives none (the file was validated when it ran).
    public init(text: String) {
        self.init()
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
