/// How the classes of a dataset are ordered before they are cut into tasks.
public enum ClassOrderSpec: Sendable, Equatable {
    /// Labels 0, 1, 2, ...
    case natural
    /// numpy's legacy `np.random.RandomState(seed).permutation(C)`, so that published
    /// orders ("seed 1993") are reproduced exactly.
    case seed(Int)
    /// The given original labels, in this order (distinct; a subset of the classes is allowed).
    case explicit([Int])
}

/// The stream part of a protocol, as a plain value. Only the keys of `kind` may be set:
/// a key of another kind is an error rather than silently ignored.
///
/// Suggested YAML keys (snake_case of the fields): `kind`, `initial_classes`,
/// `classes_per_task`, `class_order` (`{ seed: N }` or a list), `base_classes`, `ways`,
/// `shots`, `sessions`, `index_lists`, `tasks`.
public struct StreamConfig: Sendable {
    public var kind: StreamKind
    /// Class-/task-incremental: classes of task 0; default `classesPerTask`.
    public var initialClasses: Int?
    /// Class-/task-incremental: classes of every later task (required).
    public var classesPerTask: Int?
    /// Default `.natural`.
    public var classOrder: ClassOrderSpec
    /// Few-shot: classes of the base session (all their training samples).
    public var baseClasses: Int?
    /// Few-shot: new classes per incremental session.
    public var ways: Int?
    /// Few-shot: training samples per new class.
    public var shots: Int?
    /// Few-shot: number of incremental sessions after the base session.
    public var sessions: Int?
    /// Few-shot: folder with `session_1.txt`, `session_2.txt`, ... (published splits:
    /// one training-set index per line); overrides the seeded choice of shots.
    public var indexLists: String?
    /// Permuted: number of tasks.
    public var tasks: Int?

    public init(
        kind: StreamKind, initialClasses: Int? = nil, classesPerTask: Int? = nil, classOrder: ClassOrderSpec = .natural,
        baseClasses: Int? = nil, ways: Int? = nil, shots: Int? = nil, sessions: Int? = nil,
        indexLists: String? = nil, tasks: Int? = nil
    ) {
        self.kind = kind
        self.initialClasses = initialClasses
        self.classesPerTask = classesPerTask
        self.classOrder = classOrder
        self.baseClasses = baseClasses
        self.ways = ways
        self.shots = shots
        self.sessions = sessions
        self.indexLists = indexLists
        self.tasks = tasks
    }

    /// The stream kinds each kind-specific YAML key applies to (the protocol parser
    /// rejects a key of another kind).
    public static let kindsOfKey: [String: Set<StreamKind>] = {
        let incremental: Set<StreamKind> = [.classIncremental, .taskIncremental]
        return [
            "initial_classes": incremental, "classes_per_task": incremental,
            "base_classes": [.fewShotIncremental], "ways": [.fewShotIncremental], "shots": [.fewShotIncremental],
            "sessions": [.fewShotIncremental], "index_lists": [.fewShotIncremental], "tasks": [.permuted],
        ]
    }()
}
