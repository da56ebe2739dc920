import CLData
import CLLearners
import Foundation
import Yams

/// Reads and validates sweep files, with errors that name the file, the line and the key
/// (as protocols: "sweeps/x.yaml:5: grid.nmc.metric: nmc: expected one of cosine, euclidean, got 'manhattan'").
/// Every protocol it lists is parsed and validated too, and every grid value is checked
/// against the learner's hyperparameters, before anything runs.
public enum SweepParser {
    static let topLevelKeys = ["name", "description", "protocols", "learners", "seeds", "grid", "resources"]

    /// Reads and validates the sweep file at `path`; protocol paths are relative to the working directory.
    public static func parse(file path: String) throws -> SweepSpec {
        try parse(text: try NodeReader.text(ofFile: path, "sweep file"), path: path)
    }

    public static func parse(text: String, path: String) throws -> SweepSpec {
        let reader = NodeReader(path: path)
        let root = try reader.compose(text, "sweep file")
        let top = try reader.mapping(root, "sweep", allowed: topLevelKeys)

        let nameNode = try reader.required(top, "name", in: root, context: "")
        let name = try reader.string(nameNode, "name")
        guard isSafeName(name) else {
            throw reader.error(
                nameNode, "name",
                "must be letters, digits, '.', '_' or '-' (it names the sweep's folder and jobs), got '\(name)'")
        }

        // protocols: each one parsed and validated now.
        let protocolsNode = try reader.required(top, "protocols", in: root, context: "")
        let protocolNodes = try nonEmptyList(protocolsNode, "protocols", reader, example: "[Protocols/quickstart.yaml]")
        var protocols: [BenchmarkProtocol] = []
        for (position, node) in protocolNodes.enumerated() {
            let key = "protocols[\(position)]"
            let protocolPath = try reader.string(node, key)
            guard FileManager.default.fileExists(atPath: protocolPath) else {
                throw reader.error(
                    node, key, "no protocol file '\(protocolPath)' (paths are relative to the working directory)")
            }
            let spec = try ProtocolParser.parse(file: protocolPath)
            if let other = protocols.first(where: { $0.name == spec.name }) {
                throw reader.error(
                    node, key,
                    "protocol name '\(spec.name)' is also the name of \(other.sourcePath) (one results folder per name)"
                )
            }
            protocols.append(spec)
        }

        // learners: a subset of the protocols' entries, by name (label).
        var learners: [String]?
        if let learnersNode = top["learners"] {
            var names: [String] = []
            for node in try nonEmptyList(learnersNode, "learners", reader, example: "[nmc, finetune]") {
                let learner = try reader.string(node, "learners")
                guard protocols.contains(where: { $0.learners.contains { $0.name == learner } }) else {
                    let known = Set(protocols.flatMap { $0.learners.map(\.name) }).sorted().joined(separator: ", ")
                    throw reader.error(
                        node, "learners", "no protocol of this sweep has a learner '\(learner)' (they have: \(known))")
                }
                guard !names.contains(learner) else {
                    throw reader.error(node, "learners", "'\(learner)' is listed twice")
                }
                names.append(learner)
            }
            learners = names
        }
        let selected = protocols.flatMap { $0.learners }.filter { learners?.contains($0.name) ?? true }

        // seeds
        var seeds: [Int]?
        if let seedsNode = top["seeds"] {
            let values = try nonEmptyList(seedsNode, "seeds", reader, example: "[0, 1, 2]").map {
                try reader.integer($0, "seeds")
            }
            if let negative = values.first(where: { $0 < 0 }) {
                throw reader.error(seedsNode, "seeds", "seeds are non-negative integers, got \(negative)")
            }
            guard Set(values).count == values.count else {
                throw reader.error(seedsNode, "seeds", "lists a seed twice")
            }
            seeds = values
        }

        let grid = try parseGrid(top["grid"], selected: selected, reader)
        let resources = try parseResources(top["resources"], reader)
        return SweepSpec(
            name: name, sourcePath: path, protocols: protocols, learners: learners, seeds: seeds,
            grid: grid, resources: resources)
    }

    /// `grid: { learner: { key: [values] } }`: every value is checked against the learner's
    /// declared hyperparameters, and every label a grid point will get must be a safe file name.
    static func parseGrid(_ node: Node?, selected: [LearnerEntry], _ reader: NodeReader) throws -> [String: [GridAxis]]
    {
        guard let node else { return [:] }
        var grid: [String: [GridAxis]] = [:]
        for (learner, learnerNode) in try reader.mapping(node, "grid", allowed: nil).entries {
            let context = "grid.\(learner)"
            let entries = selected.filter { $0.name == learner }
            guard !entries.isEmpty else {
                let known = Set(selected.map(\.name)).sorted().joined(separator: ", ")
                throw reader.error(learnerNode, context, "not a learner this sweep runs (it runs: \(known))")
            }
            var axes: [GridAxis] = []
            for (key, valuesNode) in try reader.mapping(learnerNode, context, allowed: nil).entries {
                let where_ = "\(context).\(key)"
                var values: [HyperparameterValue] = []
                var yamlValues: [String] = []
                for valueNode in try nonEmptyList(valuesNode, where_, reader, example: "[1, 2, 4]") {
                    let value = try reader.value(valueNode, where_)
                    // The same label may name entries of several protocols; each checks the
                    // value with the rest of its own entry, as the protocol parser will.
                    for candidate in entries {
                        do {
                            _ = try candidate.config.overriding([key: value], specs: candidate.type.hyperparameters)
                        } catch let error as HyperparameterError {
                            throw reader.error(
                                valueNode, where_,
                                "\(candidate.learnerType): \(gridMessage(error, key: key))")
                        }
                    }
                    let label = GridPoint.labelPart(key: key, value: value)
                    guard isSafeName(label) else {
                        throw reader.error(
                            valueNode, where_,
                            "'\(value)' cannot be part of a results file name ('\(label)'); use letters, digits, '.', "
                                + "'_' or '-'"
                        )
                    }
                    guard !values.contains(value) else {
                        throw reader.error(valueNode, where_, "'\(value)' is listed twice")
                    }
                    values.append(value)
                    yamlValues.append(
                        try Yams.serialize(node: valueNode).trimmingCharacters(in: .whitespacesAndNewlines))
                }
                axes.append(GridAxis(key: key, values: values, yamlValues: yamlValues))
            }
            guard !axes.isEmpty else {
                throw reader.error(learnerNode, context, "needs at least one hyperparameter with a list of values")
            }
            grid[learner] = axes
            // Values that are fine one by one may break a rule together (generator: rnn with
            // hnet_hidden: []): every point is checked before anything runs.
            for point in GridPoint.all(learner: learner, axes: axes) {
                let changes = Dictionary(point.settings.map { ($0.key, $0.value) }) { $1 }
                for candidate in entries {
                    do {
                        _ = try candidate.config.overriding(changes, specs: candidate.type.hyperparameters)
                    } catch let error as HyperparameterError {
                        throw reader.error(
                            learnerNode, context,
                            "grid point '\(point.label)': \(candidate.learnerType): \(error)")
                    }
                }
            }
            // A generated label must not be the name of another entry of the protocols.
            for point in GridPoint.all(learner: learner, axes: axes)
            where selected.contains(where: { $0.name == point.label }) {
                throw reader.error(
                    learnerNode, context, "grid point '\(point.label)' has the name of a learner entry of the protocol")
            }
        }
        return grid
    }

    /// A grid value's error as the value's line shows it: the message, with the key at
    /// fault when a rule across keys names another one.
    static func gridMessage(_ error: HyperparameterError, key: String) -> String {
        error.key == key ? error.message : "\(error.key): \(error.message)"
    }

    static func parseResources(_ node: Node?, _ reader: NodeReader) throws -> SweepResources {
        var resources = SweepResources()
        guard let node else { return resources }
        for (key, valueNode) in try reader.mapping(node, "resources", allowed: SweepResources.keys).entries {
            let where_ = "resources.\(key)"
            func positive() throws -> Int {
                let value = try reader.integer(valueNode, where_)
                guard value > 0 else {
                    throw reader.error(valueNode, where_, "must be a positive integer, got \(value)")
                }
                return value
            }
            func matching(_ pattern: String, _ example: String) throws -> String {
                let text = try reader.string(valueNode, where_)
                guard text.range(of: pattern, options: .regularExpression) != nil else {
                    throw reader.error(valueNode, where_, "expected \(example), got '\(text)'")
                }
                return text
            }
            switch key {
            case "cpus": resources.cpus = try positive()
            case "gpus": resources.gpus = try positive()
            case "memory": resources.memory = try matching("^[0-9]+[KMGT]?$", "a size such as 8G or 500M")
            case "time":
                resources.time = try matching(
                    "^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$", "a Slurm time such as \"4:00:00\" or \"1-00:00:00\"")
            case "partition": resources.partition = try matching("^[A-Za-z0-9._-]+$", "a partition name")
            case "account": resources.account = try matching("^[A-Za-z0-9._-]+$", "an account name")
            case "qos": resources.qos = try matching("^[A-Za-z0-9._-]+$", "a QOS name")
            default: break
            }
        }
        return resources
    }

    static func nonEmptyList(_ node: Node, _ key: String, _ reader: NodeReader, example: String) throws -> [Node] {
        guard case .sequence(let items) = node else {
            throw reader.error(node, key, "expected a list, e.g. \(example)")
        }
        guard !items.isEmpty else { throw reader.error(node, key, "the list is empty") }
        return Array(items)
    }

    static func isSafeName(_ text: String) -> Bool {
        !text.isEmpty && text.range(of: "^[A-Za-z0-9._-]+$", options: .regularExpression) != nil
    }
}
