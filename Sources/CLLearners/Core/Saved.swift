/// Declares a stored property of a learner as part of its persistent state: a random
/// generator, a counter, class lists, a small struct. `@Saved var generator =
/// SeededGenerator(seed: 1)` is the whole declaration: the checkpoint stores the value
/// exactly (any `Codable` value) and a resumed run gets it back before its next task.
///
/// The storage is a reference, so `LearnerState` can write the restored value into the
/// learner; a copy of a learner therefore shares its saved values (learners are not copied).
@propertyWrapper
public final class Saved<Value: Codable>: StatePart {
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        try checkpoint.store(wrappedValue, as: name)
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        wrappedValue = try checkpoint.value(Value.self, named: name)
    }
}
