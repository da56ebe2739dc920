import CLData
import CLResults
import Yams

// The parity record file, `results/parity/<protocol>-<label>.yaml` (see `ParityRecord`),
// read through the one YAML reader (`NodeReader`).

// MARK: - Reading

extension ParityRecord {
    /// Reads and validates the record at `path`; every error names the file, the line and the key.
    public static func read(path: String) throws -> ParityRecord {
        try parse(try NodeReader.text(ofFile: path, "parity record"), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ParityRecord {
        let reader = NodeReader(path: file)
        let root = try reader.compose(text, "parity record")
        return try ParitySyntax(reader: reader).record(root, comment: NodeReader.leadingComment(of: text))
    }
}

/// Turns the composed YAML tree into a `ParityRecord`.
private struct ParitySyntax {
    let reader: NodeReader

    static let topKeys = ["parity", "protocol", "protocol_name", "label", "preset", "rule", "authors", "cl_bench"]
    static let sideKeys = ["repository", "commit", "command", "changes", "runs"]
    static let runKeys = ["seed", "seconds", "pooled_accuracy", "accuracy_matrix", "task_aware_matrix"]

    func record(_ root: Node, comment: [String]) throws -> ParityRecord {
        let top = try reader.mapping(root, "parity record", allowed: Self.topKeys)
        let version = try reader.integer(try reader.required(top, "parity", in: root, context: ""), "parity")
        guard version == 1 else {
            throw reader.error(root, "parity", "this cl-bench reads parity records of version 1, found \(version)")
        }
        func text(_ key: String) throws -> String {
            let value = try reader.string(try reader.required(top, key, in: root, context: ""), key)
            guard !value.isEmpty else { throw reader.error(root, key, "must not be empty") }
            return value
        }
        let rule = try self.rule(try reader.required(top, "rule", in: root, context: ""))
        let authors = try side(try reader.required(top, "authors", in: root, context: ""), "authors")
        let clBench = try side(try reader.required(top, "cl_bench", in: root, context: ""), "cl_bench")
        let record = ParityRecord(
            comment: comment, protocolPath: try text("protocol"), protocolName: try text("protocol_name"),
            label: try text("label"), preset: try text("preset"), rule: rule,
            authors: authors, clBench: clBench)
        let shapes = Set((authors.runs + clBench.runs).map { $0.pooledAccuracy.count })
        guard shapes.count == 1 else {
            throw reader.error(root, "runs", "the runs do not agree on the number of tasks (\(shapes.sorted()))")
        }
        return record
    }

    func rule(_ node: Node) throws -> ParityRule {
        let fields = try reader.mapping(node, "rule", allowed: ["metrics", "minimum_tolerance", "std_factor"])
        let metricsNode = try reader.required(fields, "metrics", in: node, context: "rule.")
        guard case .sequence(let items) = metricsNode, !items.isEmpty else {
            throw reader.error(metricsNode, "rule.metrics", "expected a non-empty list of metric keys")
        }
        let metrics = try items.map { item in
            let key = try reader.string(item, "rule.metrics")
            guard ParityRule.knownMetrics.contains(key) else {
                throw reader.error(
                    item, "rule.metrics",
                    "unknown metric '\(key)' (known: \(ParityRule.knownMetrics.joined(separator: ", ")))")
            }
            return key
        }
        var rule = ParityRule(metrics: metrics)
        if let value = fields["minimum_tolerance"] {
            rule.minimumTolerance = try nonNegative(value, "rule.minimum_tolerance")
        }
        if let value = fields["std_factor"] { rule.standardDeviationFactor = try nonNegative(value, "rule.std_factor") }
        return rule
    }

    func nonNegative(_ node: Node, _ key: String) throws -> Double {
        let value = try reader.number(node, key)
        guard value >= 0 else { throw reader.error(node, key, "must not be negative, got \(value)") }
        return value
    }

    func side(_ node: Node, _ name: String) throws -> ParitySide {
        let fields = try reader.mapping(node, name, allowed: Self.sideKeys)
        func text(_ key: String) throws -> String {
            try reader.string(try reader.required(fields, key, in: node, context: "\(name)."), "\(name).\(key)")
        }
        var changes: [String] = []
        if let list = fields["changes"] {
            guard case .sequence(let items) = list else {
                throw reader.error(list, "\(name).changes", "expected a list of texts")
            }
            changes = try items.map { try reader.string($0, "\(name).changes") }
        }
        let runsNode = try reader.required(fields, "runs", in: node, context: "\(name).")
        guard case .sequence(let items) = runsNode, !items.isEmpty else {
            throw reader.error(runsNode, "\(name).runs", "expected a non-empty list of runs")
        }
        let runs = try items.map { try run($0, "\(name).runs") }
        let seeds = runs.map(\.seed)
        guard Set(seeds).count == seeds.count else {
            throw reader.error(runsNode, "\(name).runs", "lists a seed twice")
        }
        return ParitySide(
            repository: try text("repository"), commit: try text("commit"), command: try text("command"),
            changes: changes, runs: runs)
    }

    func run(_ node: Node, _ context: String) throws -> ParityRun {
        let fields = try reader.mapping(node, context, allowed: Self.runKeys)
        let seed = try reader.integer(
            try reader.required(fields, "seed", in: node, context: "\(context)."), "\(context).seed")
        let key = "\(context)[seed \(seed)]"
        let pooled = try row(
            try reader.required(fields, "pooled_accuracy", in: node, context: "\(key)."), "\(key).pooled_accuracy")
        let tasks = pooled.count
        let matrix = try square(
            try reader.required(fields, "accuracy_matrix", in: node, context: "\(key)."), "\(key).accuracy_matrix",
            tasks: tasks)
        let aware = try fields["task_aware_matrix"].map { try square($0, "\(key).task_aware_matrix", tasks: tasks) }
        let seconds = try fields["seconds"].map { try nonNegative($0, "\(key).seconds") }
        return ParityRun(
            seed: seed, seconds: seconds, accuracyMatrix: matrix, pooledAccuracy: pooled, taskAwareMatrix: aware)
    }

    /// A list of accuracies in [0, 1]; `null` (not evaluated) reads as NaN.
    func row(_ node: Node, _ key: String) throws -> [Double] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw reader.error(node, key, "expected a non-empty list of accuracies")
        }
        return try items.map { item in
            if item.null != nil { return .nan }
            let value = try reader.number(item, key)
            guard (0...1).contains(value) else { throw reader.error(item, key, "accuracy \(value) is outside [0, 1]") }
            return value
        }
    }

    /// T rows of T accuracies, row i after training task i.
    func square(_ node: Node, _ key: String, tasks: Int) throws -> [[Double]] {
        guard case .sequence(let rows) = node, rows.count == tasks else {
            throw reader.error(
                node, key, "expected \(tasks) rows (one after each task, as many as pooled_accuracy has values)")
        }
        return try rows.map { rowNode in
            let values = try row(rowNode, key)
            guard values.count == tasks else {
                throw reader.error(rowNode, key, "a row has \(values.count) values, expected \(tasks)")
            }
            return values
        }
    }
}
