/// A hyperparameter declared once: its protocol key, Swift type, default, meaning and rules.
/// A learner declares each as a static and reads it typed, so the key is written in one
/// place and a typo is a compile error, not a trap at run time:
///
/// ```swift
/// static let distillWeight = Hyperparameter<Double>("distill_weight", default: 1, .atLeast(0),
///                                                   help: "weight of the distillation term")
/// static let hyperparameters = [distillWeight.spec]
/// ...
/// weight = config[Self.distillWeight]
/// ```
///
/// The rules are checked by the protocol parser, with the other keys of the entry, before
/// any data loads; the learner's `init` needs no checks of its own.
public struct Hyperparameter<Value: HyperparameterType>: Sendable {
    /// The protocol key.
    public let name: String
    public let defaultValue: Value
    public let rules: [HyperparameterRule<Value>]
    /// One line for `cl-bench list`: what it does, and where its default comes from.
    public let help: String
    /// The type protocols must give; narrower than `Value.kind` for a choice restricted to some cases.
    public let kind: HyperparameterKind
    private let allowed: @Sendable (Value) -> Bool

    public init(_ name: String, default defaultValue: Value, _ rules: HyperparameterRule<Value>..., help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.rules = rules
        self.help = help
        kind = Value.kind
        allowed = { _ in true }
    }

    /// The declaration in the form learner lists and the parser use.
    public var spec: HyperparameterSpec { HyperparameterSpec(self) }

    /// `value` as this hyperparameter's type, or nil when it has another type.
    func accept(_ value: HyperparameterValue) -> Value? {
        Value(hyperparameter: value).flatMap { allowed($0) ? $0 : nil }
    }

    /// The first rule `config`'s value breaks, as an error naming the key at fault.
    func problem(in config: LearnerConfig) -> HyperparameterError? {
        let value = config[self]
        for rule in rules {
            if let message = rule.problem(value, config) {
                return HyperparameterError(key: rule.key ?? name, message: message)
            }
        }
        return nil
    }
}

extension Hyperparameter where Value: HyperparameterChoice {
    /// A choice that accepts only `choices` of its enum's cases (learners sharing an enum
    /// may each support part of it).
    public init(_ name: String, default defaultValue: Value, choices: [Value], help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.rules = []
        self.help = help
        kind = .choice(choices.map(\.rawValue))
        allowed = { choices.contains($0) }
    }
}
