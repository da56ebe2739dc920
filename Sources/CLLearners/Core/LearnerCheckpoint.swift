import CLTensor

/// A learner whose state after a task can be saved and restored exactly, so that a run
/// killed or interrupted at task k continues from the checkpoint of task k - 1 and ends
/// with the same results file as an uninterrupted run (apart from timings). Save
/// everything a later `learn` or `predict` reads: weights and buffers, prototypes,
/// generator positions, training curves. Optimiser state that is rebuilt for every task
/// need not be saved. A learner that does not adopt it is restarted from its first task.
public protocol Resumable: Learner {
    /// The state after the last learned task.
    func checkpoint() -> LearnerCheckpoint
    /// Restores a state `checkpoint()` returned, on a learner just initialised with the same
    /// configuration and context; `learnedTasks` are the tasks learned before it was taken.
    mutating func restore(from checkpoint: LearnerCheckpoint, learnedTasks: [TaskData]) throws
}

/// What a `Resumable` learner saves: named tensors (float32, exact), numbers (float64) and
/// integers (int64, also generator positions).
public struct LearnerCheckpoint {
    public var tensors: [String: Tensor] = [:]
    public var numbers: [String: [Double]] = [:]
    public var integers: [String: [Int64]] = [:]

    public init() {}

    /// A value the checkpoint should have but lacks (a checkpoint of another learner or version).
    public struct Missing: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "checkpoint has no '\(name)'" }
    }

    public mutating func save(_ generator: SeededGenerator, as name: String) {
        integers[name] = generator.savedState.map { Int64(bitPattern: $0) }
    }

    public func generator(_ name: String) throws -> SeededGenerator {
        guard let saved = integers[name] else { throw Missing(name: name) }
        return SeededGenerator(savedState: saved.map { UInt64(bitPattern: $0) })
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let value = tensors[name] else { throw Missing(name: name) }
        return value
    }

    public func integer(_ name: String) throws -> Int {
        guard let value = integers[name]?.first else { throw Missing(name: name) }
        return Int(value)
    }

    /// Tensors saved with `prefix` ("network."), without it.
    public func tensors(prefixed prefix: String) -> [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map {
                (String($0.key.dropFirst(prefix.count)), $0.value)
            })
    }
}

extension LearnerCheckpoint {
    /// Saves the values of `variables` as `<prefix>.0`, `<prefix>.1`, … (parameters in a fixed order).
    public mutating func save(_ variables: [Variable], as prefix: String) {
        for (index, variable) in variables.enumerated() { tensors["\(prefix).\(index)"] = variable.value }
        integers["\(prefix).count"] = [Int64(variables.count)]
    }

    /// Sets the values of `variables` to what `save(_:as:)` stored under `prefix`, checking
    /// their number and every shape (a checkpoint of another configuration fails here).
    public func load(into variables: [Variable], from prefix: String) throws {
        let saved = try integer("\(prefix).count")
        guard saved == variables.count else {
            throw Mismatch(name: prefix, detail: "\(saved) tensors saved, \(variables.count) expected")
        }
        for (index, variable) in variables.enumerated() {
            let value = try tensor("\(prefix).\(index)")
            guard value.shape == variable.value.shape else {
                throw Mismatch(
                    name: "\(prefix).\(index)", detail: "shape \(value.shape), expected \(variable.value.shape)")
            }
            variable.value = value
        }
    }

    /// Saves a named state (a backbone's `stateDictionary()`) under `prefix` ("network.").
    public mutating func save(_ state: [String: Tensor], prefix: String) {
        for (name, tensor) in state { tensors[prefix + name] = tensor }
    }

    /// A saved value whose size does not match the learner being restored.
    public struct Mismatch: Error, CustomStringConvertible {
        public var name: String, detail: String
        public var description: String { "checkpoint value '\(name)' does not fit: \(detail)" }
    }
}
