import Foundation

/// A value derived from a learner's state and kept between tasks (the weights a
/// hypernetwork generates for every learned task, say) but not saved with it: computed on
/// first use after `invalidate()`, so a resumed learner computes it from its restored state
/// exactly as the uninterrupted one did. Not a `StatePart`: derived state has no checkpoint.
public final class DerivedCache<Value>: @unchecked Sendable {
    private var stored: Value?
    private let lock = NSLock()

    public init() {}

    /// The cached value, computed by `compute` when there is none.
    public func value(_ compute: () -> Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let stored { return stored }
        let value = compute()
        stored = value
        return value
    }

    /// Forgets the value (the state it derives from has changed).
    public func invalidate() {
        lock.lock()
        stored = nil
        lock.unlock()
    }
}
