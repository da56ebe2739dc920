/// Maps the learner names of protocol files to learner types.
public enum LearnerRegistry {
    /// The learners that ship with cl-bench.
    public static let builtIn: [any Learner.Type] = [
        NearestMeanClassifier.self,
        TEEN.self,
        Finetune.self,
        Joint.self,
    ]

    /// Learners named in `specs/LEARNERS.md` that later versions provide, so that a
    /// protocol naming one gets a clear message instead of "unknown".
    public static let planned = ["teen", "prd", "napa-vq", "hypernet", "prob-psenn", "finetune", "joint"]

    nonisolated(unsafe) private static var extra: [any Learner.Type] = []

    /// Adds a user-defined learner; its name must not clash with a registered one.
    public static func register(_ type: any Learner.Type) {
        precondition(self.type(named: type.name) == nil, "a learner named \(type.name) is already registered")
        extra.append(type)
    }

    /// Every registered learner, built-in first.
    public static var all: [any Learner.Type] { builtIn + extra }

    /// The learner type registered under `name`.
    public static func type(named name: String) -> (any Learner.Type)? {
        all.first { $0.name == name }
    }

    /// Why `name` cannot be used: planned but not yet available, or unknown.
    public static func unavailableMessage(_ name: String) -> String {
        let names = all.map { $0.name }.joined(separator: ", ")
        if planned.contains(name) {
            return "learner '\(name)' is not available in this version of cl-bench yet (available: \(names))"
        }
        return "unknown learner '\(name)' (available: \(names))"
    }
}
