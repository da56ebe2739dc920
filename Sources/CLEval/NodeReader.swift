import CLData
import CLLearners
import Yams

/// Typed access to a YAML node tree with errors that name file, line and key.
struct NodeReader {
    let path: String

    /// A mapping's entries in file order, with lookup by key.
    struct Fields {
        var entries: [(String, Node)]
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
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error(keyNode, context, "keys must be plain names") }
            let key = scalar.string
            // At the top of a file ("protocol", "sweep", "parity record") a key is named bare.
            let qualified = ["protocol", "sweep", "parity record"].contains(context) ? key : "\(context).\(key)"
            if let allowed, !allowed.contains(key) {
                throw error(keyNode, qualified, "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
            }
            if entries.contains(where: { $0.0 == key }) { throw error(keyNode, qualified, "key given twice") }
            entries.append((key, valueNode))
        }
        return Fields(entries: entries)
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
