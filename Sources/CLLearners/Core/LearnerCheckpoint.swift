import CLTensor
import Foundation

/// A learner's state after a task, as `LearnerState` collects it from the parts the learner
/// declares: tensors of networks (float32, exact) and encoded values (`@Saved` values:
/// generators, counters, class lists, curves; binary property lists, exact). The runner
/// keeps it beside the results file (`RunCheckpoint`) and hands it back on `--resume`.
public struct LearnerCheckpoint {
    public var tensors: [String: Tensor] = [:]
    public var values: [String: [UInt8]] = [:]

    public init() {}

    /// A value the checkpoint should have but lacks (a checkpoint of another learner or version).
    public struct Missing: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "checkpoint has no '\(name)'" }
    }

    /// A saved value that does not fit the learner being restored.
    public struct Mismatch: Error, CustomStringConvertible {
        public var name: String, detail: String
        public var description: String { "checkpoint value '\(name)' does not fit: \(detail)" }
    }

    /// Stores `value` exactly under `name` (a binary property list keeps every float's bits).
    public mutating func store<Value: Encodable>(_ value: Value, as name: String) throws {
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        values[name] = Array(try encoder.encode([value]))  // a property list's top level is a container
    }

    /// The value `store` saved under `name`.
    public func value<Value: Decodable>(_ type: Value.Type, named name: String) throws -> Value {
        guard let bytes = values[name] else { throw Missing(name: name) }
        do {
            guard let value = try PropertyListDecoder().decode([Value].self, from: Data(bytes)).first else {
                throw Mismatch(name: name, detail: "empty")
            }
            return value
        } catch let error as DecodingError {
            throw Mismatch(name: name, detail: "not a \(Value.self) (\(error))")
        }
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let value = tensors[name] else { throw Missing(name: name) }
        return value
    }

    /// Tensors saved with `prefix` ("backbone."), without it.
    public func tensors(prefixed prefix: String) -> [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map {
                (String($0.key.dropFirst(prefix.count)), $0.value)
            })
    }

    /// Saves a named state (a network's weights) under `prefix` ("backbone.").
    public mutating func save(_ state: [String: Tensor], prefix: String) {
        for (name, tensor) in state { tensors[prefix + name] = tensor }
    }
}
