import CLData
import CLResults
import Foundation
import Yams

// The baseline file, `results/baselines/<protocol>.yaml` (see `Baseline`): read through the
// one YAML reader (`NodeReader`) with its error format, and written back in the same form.

// MARK: - Reading

extension Baseline {
    /// Reads and validates the baseline at `path`.
    ///
    /// - Throws: `InputError` naming the file, the line and the key for anything malformed
    ///   (`NodeReader`'s format, as for protocols), so the command line can print one line
    ///   and exit with status 2.
    public static func read(path: String) throws -> Baseline {
        try parse(try NodeReader.text(ofFile: path, "baseline file"), file: path)
    }

    /// Parses baseline YAML; `file` is only used to name the source in errors.
    public static func parse(_ text: String, file: String) throws -> Baseline {
        let reader = NodeReader(path: file)
        let root = try reader.compose(text, "baseline file")
        return try BaselineSyntax(reader: reader).baseline(from: root, comment: NodeReader.leadingComment(of: text))
    }
}

/// Turns the composed YAML tree into a `Baseline`.
private struct BaselineSyntax {
    let reader: NodeReader

    func baseline(from root: Node, comment: [String]) throws -> Baseline {
        let top = try reader.mapping(root, "baseline", allowed: ["protocol", "learners"])
        let protocolNode = try reader.required(top, "protocol", in: root, context: "")
        let protocolName = try reader.string(protocolNode, "protocol")
        guard !protocolName.isEmpty else { throw reader.error(protocolNode, "protocol", "expected the protocol name") }
        let learners = try parseLearners(try reader.required(top, "learners", in: root, context: ""))
        return Baseline(protocolName: protocolName, comment: comment, learners: learners)
    }

    func parseLearners(_ node: Node) throws -> [BaselineLearner] {
        let learners = try reader.mapping(node, "learners", allowed: nil)
        guard !learners.entries.isEmpty else {
            throw reader.error(node, "learners", "empty; list at least one learner")
        }
        return try learners.entries.map { name, metricsNode in
            let metrics = try reader.mapping(metricsNode, "learners.\(name)", allowed: nil)
            var entries: [BaselineEntry] = []
            var seeds: [Int]?
            for (metric, boundNode) in metrics.entries {
                let keyPath = "learners.\(name).\(metric)"
                if metric == "seeds" {
                    seeds = try seedList(boundNode, keyPath)
                    continue
                }
                guard MetricCatalog.definition(of: metric) != nil else {
                    throw reader.error(
                        metrics.keyNodes[metric] ?? boundNode, keyPath,
                        "unknown metric (known: " + MetricCatalog.all.map(\.key).joined(separator: ", ") + ")")
                }
                entries.append(BaselineEntry(metric: metric, bound: try bound(boundNode, keyPath)))
            }
            return BaselineLearner(name: name, seeds: seeds, entries: entries)
        }
    }

    func seedList(_ node: Node, _ keyPath: String) throws -> [Int] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw reader.error(node, keyPath, "expected a non-empty list of seeds")
        }
        let seeds = try items.map { item in
            let seed = try reader.integer(item, keyPath)
            guard seed >= 0 else { throw reader.error(item, keyPath, "expected a non-negative seed, got \(seed)") }
            return seed
        }
        guard Set(seeds).count == seeds.count else { throw reader.error(node, keyPath, "lists a seed twice") }
        return seeds
    }

    func bound(_ node: Node, _ keyPath: String) throws -> BaselineBound {
        let fields = try reader.mapping(node, keyPath, allowed: ["expected", "tolerance"])
        let expected = try reader.number(
            try reader.required(fields, "expected", in: node, context: keyPath + "."), keyPath + ".expected")
        let toleranceNode = try reader.required(fields, "tolerance", in: node, context: keyPath + ".")
        let tolerance = try reader.number(toleranceNode, keyPath + ".tolerance")
        guard tolerance >= 0 else {
            throw reader.error(toleranceNode, keyPath + ".tolerance", "must not be negative, got \(tolerance)")
        }
        return BaselineBound(expected: expected, tolerance: tolerance)
    }
}

// MARK: - Writing

extension Baseline {
    /// The YAML text of this baseline: the comment, then one flow mapping per metric so that
    /// each number sits on its own line and a review diff shows exactly what moved.
    public func yamlText() -> String {
        var lines = comment.map { $0.isEmpty ? "#" : "# \($0)" }
        lines.append("protocol: \(Baseline.quotedIfNeeded(protocolName))")
        lines.append("learners:")
        for learner in learners {
            lines.append("  \(Baseline.quotedIfNeeded(learner.name)):")
            if let seeds = learner.seeds {
                lines.append("    seeds: [\(seeds.map(String.init).joined(separator: ", "))]")
            }
            for entry in learner.entries {
                lines.append(
                    "    \(entry.metric): { expected: \(Baseline.decimal(entry.bound.expected)), "
                        + "tolerance: \(Baseline.decimal(entry.bound.tolerance)) }")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `yamlText()` to `path`, creating the folder if needed (see `OutputFile`).
    public func write(to path: String) throws {
        try OutputFile.write(yamlText(), to: path)
    }

    /// Shortest text that reads back as exactly the same `Double`.
    static func decimal(_ value: Double) -> String {
        "\(value)"
    }

    /// Names are written bare unless YAML would read them as something other than that string.
    static func quotedIfNeeded(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
        }
        let ambiguous =
            ["true", "false", "yes", "no", "on", "off", "null", "~"].contains(text.lowercased())
            || Double(text) != nil
        if plain && !ambiguous && !text.isEmpty { return text }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
