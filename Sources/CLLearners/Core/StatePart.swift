import CLTensor

/// One persistent part of a learner: a network, a prototype bank, the training curves, or a
/// `@Saved` value. A learner declares a part by holding it in a stored property; the part
/// saves itself into a checkpoint and restores itself in place, so `LearnerState` derives
/// checkpoint and restore from the declaration alone (no learner writes save/restore code).
/// A class, because restoring writes into the very object the learner holds.
public protocol StatePart: AnyObject {
    /// Saves this part under `name` (a tensor or value name, or a prefix "name.").
    func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws
    /// Restores what `save` stored, on a part just built from the same configuration.
    func restore(from checkpoint: LearnerCheckpoint, as name: String) throws
}

/// A part whose tensors are the learner's weights: written under
/// `/learner/<label>/weights/<part>.<name>` at the end of a run, saved and restored exactly.
public protocol NetworkPart: StatePart {
    /// The tensors by name (PyTorch-style names where the network has them).
    var weights: [String: Tensor] { get }
    /// Sets the tensors `weights` returned (a part that grows takes the saved shapes).
    func load(weights: [String: Tensor]) throws
}

extension NetworkPart {
    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        checkpoint.save(weights, prefix: name + ".")
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        try load(weights: checkpoint.tensors(prefixed: name + "."))
    }
}

extension NetworkPart where Self: Layer {
    /// Every parameter and buffer of the layer, by its name.
    public var weights: [String: Tensor] { stateDictionary() }

    /// Loads values of the same shapes into the layer's variables.
    public func load(weights: [String: Tensor]) throws { try loadStateDictionary(weights) }
}

/// A value that holds parts (a struct or class a learner composes, such as the baselines'
/// backbone-and-head): `LearnerState` looks into its stored properties too, naming its parts
/// "<property>.<part>". A learner's own stored properties are always looked into.
public protocol StateContainer {}
