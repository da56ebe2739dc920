import CLTensor

/// A learner's persistent state, derived from what it declares: every stored property that
/// holds a `StatePart` (networks, prototype banks, training curves, `@Saved` values), looked
/// for in the learner and, recursively, in the `StateContainer`s it holds. Checkpoint,
/// restore, the weights written to the results file and the training curves recorded in it
/// all come from this one walk, so a learner (a user's included) resumes bit for bit without
/// save/restore code of its own.
///
/// What is not a part is not state: configuration (`let` settings), the context, the
/// training loop, and derived objects that a learner rebuilds when it needs them (a teacher
/// copied at the start of a task, caches). Optional properties are never parts: a part must
/// exist on a freshly built learner for a restore to write into it.
public enum LearnerState {
    /// One declared part and its name: the property path ("network.backbone", "generator").
    public struct Part {
        public let name: String
        public let part: any StatePart
    }

    /// The parts of `learner`, in declaration order; a part held twice is listed once (first name).
    public static func parts(of learner: Any) -> [Part] {
        var found: [Part] = []
        var seen = Set<ObjectIdentifier>()
        visit(learner, prefix: "") { name, value in
            guard let part = value as? any StatePart else { return false }
            if seen.insert(ObjectIdentifier(part)).inserted { found.append(Part(name: name, part: part)) }
            return true
        }
        return found
    }

    /// The state of `learner` now.
    public static func checkpoint(of learner: Any) throws -> LearnerCheckpoint {
        var checkpoint = LearnerCheckpoint()
        for part in parts(of: learner) { try part.part.save(into: &checkpoint, as: part.name) }
        return checkpoint
    }

    /// Writes `checkpoint` into the parts of `learner`, freshly built with the configuration
    /// and context it was taken with.
    public static func restore(_ learner: Any, from checkpoint: LearnerCheckpoint) throws {
        for part in parts(of: learner) { try part.part.restore(from: checkpoint, as: part.name) }
    }

    /// The weights of every `NetworkPart`, named "<part>.<tensor>".
    public static func weights(of learner: Any) -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for part in parts(of: learner) {
            guard let network = part.part as? any NetworkPart else { continue }
            for (name, tensor) in network.weights { weights[part.name + "." + name] = tensor }
        }
        return weights
    }

    /// Records every `TrainingCurves` part into `context`: a property named `curves` (at any
    /// depth) as `train_loss`, `train_accuracy`, ...; one named otherwise, `baseCurves` say,
    /// as `baseCurves_train_loss`, ...
    public static func recordCurves(of learner: Any, in context: LearnerContext) {
        for part in parts(of: learner) {
            guard let curves = part.part as? TrainingCurves else { continue }
            let property = part.name.split(separator: ".").last.map(String.init) ?? part.name
            curves.record(in: context, prefix: property == "curves" ? "" : property + "_")
        }
    }

    /// Stored properties that look like state but are not declared: random generators held
    /// as plain values, which a checkpoint cannot write back. A learner with any is not
    /// checkpointed (a resumed run restarts it from its first task, and says why).
    public static func undeclaredState(of learner: Any) -> [String] {
        var undeclared: [String] = []
        visit(learner, prefix: "") { name, value in
            if value is SeededGenerator { undeclared.append(name) }
            return value is any StatePart
        }
        return undeclared
    }

    /// Calls `body` with every stored property of `value` (and of the `StateContainer`s among
    /// them, recursively), skipping optionals; `body` returns true when it has handled the
    /// property (the walk does not look inside it).
    private static func visit(_ value: Any, prefix: String, _ body: (String, Any) -> Bool) {
        var mirror: Mirror? = Mirror(reflecting: value)
        while let current = mirror {
            for child in current.children {
                guard let label = child.label else { continue }
                if Mirror(reflecting: child.value).displayStyle == .optional { continue }
                // A property wrapper's storage is `_name`: the part is named after the property.
                let name = prefix + (label.hasPrefix("_") ? String(label.dropFirst()) : label)
                if body(name, child.value) { continue }
                if child.value is any StateContainer { visit(child.value, prefix: name + ".", body) }
            }
            mirror = current.superclassMirror
        }
    }
}
