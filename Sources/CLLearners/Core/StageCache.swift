import CLData
import Foundation

/// Work that several learners of one protocol run share — a trained base session (`nmc`
/// with `train_base`, every `teen` label), NAPA-VQ's base task (its ablation) — computed
/// once and handed to the later learners. The run owns it (`ProtocolRun` makes one per
/// `cl-bench run` and gives it to every `LearnerContext`), so nothing outlives the run and
/// what a results file says about reuse depends only on that run. Entries are keyed by a
/// digest of everything the stage depends on (`StageKey`): the dataset's content, the
/// task's samples, the backbone, the training block, the seed and the learner's settings.
/// Reuse is exact: the stage would reproduce the same bits if computed again.
public final class StageCache: @unchecked Sendable {
    struct Entry {
        let value: Any
        /// Who computed it ("teen, seed 0"), for the notes in results files.
        let origin: String
    }

    private var entries: [String: Entry] = [:]
    private let lock = NSLock()

    public init() {}

    func entry(for key: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func insert(_ value: Any, origin: String, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        entries[key] = Entry(value: value, origin: origin)
    }

    /// Number of entries (tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}

/// Everything a stage's result depends on, folded into one digest. Add every input; a
/// missing one would hand a learner a result computed from other inputs.
public struct StageKey: Sendable, Codable, CustomStringConvertible {
    public let stage: String
    private var digest = ContentDigest()

    public init(stage: String) {
        self.stage = stage
        digest.add(stage)
    }

    /// A named setting (its text form: configurations, seeds, kinds).
    public mutating func add(_ name: String, _ value: Any) {
        digest.add(name)
        digest.add(String(describing: value))
    }

    /// The task's identity: classes, sample indices, labels and pixel permutation (the
    /// dataset's content is in the context's key prefix).
    public mutating func add(task: TaskData) {
        digest.add("task")
        digest.add(task.classes)
        digest.add(task.sampleIndices)
        digest.add(task.labels)
        digest.add(task.pixelPermutation ?? [])
        digest.add(task.sampleShape)
    }

    public var description: String { "\(stage)/\(digest)" }
}

extension LearnerContext {
    /// The result of `stage` for `key`: computed by `compute` the first time in this run and
    /// handed back to every later learner of the run that asks with an equal key. The note
    /// `stage.<stage>` says which happened (and from which learner a result came), so a
    /// results file tells whether its number was computed or reused.
    public func reuse<Value>(_ key: StageKey, compute: () throws -> Value) rethrows -> Value {
        var full = key
        full.add("dataset", datasetDigest)
        let id = full.description
        if let entry = stageCache.entry(for: id), let value = entry.value as? Value {
            note("stage.\(key.stage)", "reused from \(entry.origin) in this run (key \(id))")
            return value
        }
        let value = try compute()
        stageCache.insert(value, origin: learnerDescription, for: id)
        note("stage.\(key.stage)", "computed (key \(id))")
        return value
    }

    /// Offers a result this learner restored from its checkpoint to the later learners of the
    /// run, as if it had computed it (a resumed run reuses what an uninterrupted one would).
    public func offer<Value>(_ value: Value, for key: StageKey) {
        var full = key
        full.add("dataset", datasetDigest)
        if stageCache.entry(for: full.description) == nil {
            stageCache.insert(value, origin: learnerDescription, for: full.description)
        }
    }
}
