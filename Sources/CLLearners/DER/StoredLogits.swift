/// The logits each remembered sample of a `ReplayBuffer` had when it was stored (DER's
/// "dark knowledge"), one row per buffer slot, kept beside the buffer's dataset indices so
/// that no pixels are copied. A row keeps the width of the head at the time it was stored
/// (the head grows from task to task). A `StatePart`: checkpointed and resumed exactly.
public final class StoredLogits: StatePart {
    public private(set) var rows: [[Float]] = []

    public init() {}

    /// Writes `logits` for `slot` (a slot the buffer just filled or replaced).
    public func store(_ logits: [Float], at slot: Int) {
        if slot >= rows.count { rows += Array(repeating: [], count: slot + 1 - rows.count) }
        rows[slot] = logits
    }

    /// The logits stored for `slot` (empty if none).
    public func logits(at slot: Int) -> [Float] { slot < rows.count ? rows[slot] : [] }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        try checkpoint.store(rows, as: name)
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        rows = try checkpoint.value([[Float]].self, named: name)
    }
}
