import CLData
import Foundation

/// Maps the learner names of protocol files to learner types: the built-in learners, plus
/// those a researcher's own package hands to `CLBenchCommand.main(learners:)`, which
/// registers them here before parsing the command line.
public enum LearnerRegistry {
    /// The learners that ship with cl-bench.
    public static let builtIn: [any Learner.Type] = [
        NearestMeanClassifier.self,
        TEEN.self,
        Finetune.self,
        NAPAVQ.self,
        Joint.self,
        PSENN.self,
        ProbPSENN.self,
        PRD.self,
        Hypernet.self,
        ExperienceReplay.self,
        LearningWithoutForgetting.self,
        ElasticWeightConsolidation.self,
        DarkExperienceReplay.self,
    ]

    /// Learners named in `specs/LEARNERS.md` that later versions provide, so that a
    /// protocol naming one gets a clear message instead of "unknown". Derived, so a
    /// learner that ships is never listed as planned.
    public static var planned: [String] {
        ["prd", "napa-vq", "hypernet", "psenn", "prob-psenn"].filter { type(named: $0) == nil }
    }

    nonisolated(unsafe) private static var extra: [any Learner.Type] = []
    private static let lock = NSLock()

    /// A learner that cannot be registered.
    public struct RegistrationError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Adds a user-defined learner. Its name must be a safe file name (results files are
    /// named after it) and must not clash with a registered one.
    public static func register(_ type: any Learner.Type) throws {
        if let problem = SafeFileName.problem(with: type.name) {
            throw RegistrationError(description: "learner \(type): name \(problem) (it names results files)")
        }
        lock.lock(); defer { lock.unlock() }
        if let existing = (builtIn + extra).first(where: { $0.name == type.name }) {
            guard ObjectIdentifier(existing) == ObjectIdentifier(type) else {
                throw RegistrationError(
                    description: "learner \(type): the name '\(type.name)' is already taken by \(existing)")
            }
            return
        }
        extra.append(type)
    }

    /// Every registered learner, built-in first.
    public static var all: [any Learner.Type] {
        lock.lock(); defer { lock.unlock() }
        return builtIn + extra
    }

    /// The learner type registered under `name`.
    public static func type(named name: String) -> (any Learner.Type)? {
        all.first { $0.name == name }
    }

    /// Why `name` cannot be used: planned but not yet available, or unknown.
    /// `planned` is a parameter so that the message stays testable once every planned
    /// learner ships.
    public static func unavailableMessage(_ name: String, planned: [String] = planned) -> String {
        let names = all.map { $0.name }.joined(separator: ", ")
        if planned.contains(name) {
            return "learner '\(name)' is not available in this version of cl-bench yet (available: \(names))"
        }
        return "unknown learner '\(name)' (available: \(names))"
    }
}
