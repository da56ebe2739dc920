import CLData
import CLLearners
import Foundation
import Yams

/// The one reader of cl-bench's YAML files (protocols, sweeps, baselines, parity records):
/// typed access to a node tree, with every error in one format, `file:line: key: message`
/// ("Protocols/x.yaml:7: stream.classes_per_task: expected an integer, got 'two'").
struct NodeReader {
    let path: String

    /// The text of the file at `path`; `what` names it in errors ("protocol file").
    static func text(ofFile path: String, _ what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, "cannot read the \(what) (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: path, "the \(what) is not UTF-8 text")
        }
        return text
    }

    /// The node tree of `text`; a syntax error names its line, an empty text is an error.
    func compose(_ text: String, _ what: String) throws -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
                let .composer(_, problem, mark, _):
                throw InputError(file: "\(path):\(mark.line)", "not valid YAML: \(problem)")
            default:
                let summary = String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                throw InputError(file: path, "not valid YAML: \(summary)")
            }
        } catch {
            throw InputError(file: path, "not valid YAML: \(error)")
        }
        guard let root else { throw InputError(file: path, "the \(what) is empty") }
        return root
    }

    /// The comment lines before the first content line of `text`, without "# " (the
    /// provenance header of baselines and parity records).
    static func leadingComment(of text: String) -> [String] {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("#") else { break }
            var body = trimmed.dropFirst()
            if body.hasPrefix(" ") { body = body.dropFirst() }
            lines.append(String(body))
        }
        return lines
    }

    /// The contexts that mean the top of a file, whose keys are named bare.
    static let topLevel = ["protocol", "sweep", "baseline", "parity record"]

    /// A mapping's entries in file order, with lookup by key.
    struct Fields {
        var entries: [(String, Node)]
        /// The key nodes, by key (for errors about a key rather than its value).
        var keyNodes: [String: Node] = [:]
        subscript(key: String) -> Node? { entries.first { $0.0 == key }?.1 }
    }

    func error(_ node: Node, _ key: String, _ message: String) -> InputError {
        let line = node.mark.map { ":\($0.line)" } ?? ""
        return InputError(file: path + line, key.isEmpty ? message : "\(key): \(message)")
    }

    /// The mapping at `node`; keys not in `allowed` (when given) are errors naming the key.
    func mapping(_ node: Node, _ context: String, allowed: [String]?) throws -> Fields {
        guard case .mapping(let mapping) = node else {
            throw error(node, context, "expected a mapping of keys to values")
        }
        var entries: [(String, Node)] = []
        var keyNodes: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error(keyNode, context, "keys must be plain names") }
            let key = scalar.string
            // At the top of a file ("protocol", "sweep", "baseline", "parity record") a key is named bare.
            let qualified = NodeReader.topLevel.contains(context) ? key : "\(context).\(key)"
            if let allowed, !allowed.contains(key) {
                throw error(keyNode, qualified, "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
            }
            if entries.contains(where: { $0.0 == key }) { throw error(keyNode, qualified, "key given twice") }
            entries.append((key, valueNode))
            keyNodes[key] = keyNode
        }
        return Fields(entries: entries, keyNodes: keyNodes)
    }

    func required(_ fields: Fields, _ key: String, in parent: Node, context: String) throws -> Node {
        guard let node = fields[key] else { throw error(parent, context + key, "missing (required)") }
        return node
    }

    private func scalarText(_ node: Node, _ key: String, expected: String) throws -> Node.Scalar {
        guard case .scalar(let scalar) = node else { throw error(node, key, "expected \(expected)") }
        return scalar
    }

    func string(_ node: Node, _ key: String) throws -> String {
        try scalarText(node, key, expected: "a text value").string
    }

    func integer(_ node: Node, _ key: String) throws -> Int {
        let scalar = try scalarText(node, key, expected: "an integer")
        guard scalar.style == .plain || scalar.style == .any, let value = Int(scalar.string) else {
            throw error(node, key, "expected an integer, got '\(scalar.string)'")
        }
        return value
    }

    func number(_ node: Node, _ key: String) throws -> Double {
        let scalar = try scalarText(node, key, expected: "a number")
        guard scalar.style == .plain || scalar.style == .any, let value = node.float ?? Double(scalar.string),
            value.isFinite
        else {
            throw error(node, key, "expected a number, got '\(scalar.string)'")
        }
        return value
    }

    func flag(_ node: Node, _ key: String) throws -> Bool {
        let scalar = try scalarText(node, key, expected: "true or false")
        guard let value = node.bool else { throw error(node, key, "expected true or false, got '\(scalar.string)'") }
        return value
    }

    func choice(_ node: Node, _ key: String, _ options: [String]) throws -> String {
        let value = try string(node, key)
        guard options.contains(value) else {
            throw error(node, key, "expected one of \(options.joined(separator: ", ")), got '\(value)'")
        }
        return value
    }

    /// A hyperparameter value of whatever type the YAML gives (the learner's spec checks it).
    func value(_ node: Node, _ key: String) throws -> HyperparameterValue {
        switch node {
        case .scalar(let scalar):
            let quoted = !(scalar.style == .plain || scalar.style == .any)
            if !quoted {
                if let i = Int(scalar.string) { return .integer(i) }
                if let b = node.bool { return .flag(b) }
                if let d = node.float, d.isFinite { return .number(d) }
            }
            return .text(scalar.string)
        case .sequence(let items):
            return .numbers(try items.map { try number($0, key) })
        default:
            throw error(node, key, "expected a single value or a list of numbers")
        }
    }
}
