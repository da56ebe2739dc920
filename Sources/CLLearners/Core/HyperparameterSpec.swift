/// One hyperparameter of a learner with its Swift type erased, so that a learner's list
/// (`Learner.hyperparameters`), the validation of protocols and `cl-bench list` handle
/// every declaration alike. It is made by `Hyperparameter.spec`, never by hand: the name
/// is written once, in the typed declaration the learner reads from.
public struct HyperparameterSpec: Sendable {
    /// The protocol key.
    public let name: String
    public let kind: HyperparameterKind
    public let defaultValue: HyperparameterValue
    public let help: String
    /// The rules beyond the type, as `cl-bench list` shows them; empty: any value of the type.
    public let constraints: [String]
    private let convert: @Sendable (HyperparameterValue) -> HyperparameterValue?
    private let check: @Sendable (LearnerConfig) -> HyperparameterError?
    /// For each rule that has one, a value that breaks it (tests try every rule).
    public let counterexamples: [HyperparameterValue]

    init<Value>(_ declaration: Hyperparameter<Value>) {
        name = declaration.name
        kind = declaration.kind
        defaultValue = declaration.defaultValue.hyperparameter
        help = declaration.help
        constraints = declaration.rules.map(\.summary)
        counterexamples = declaration.rules.compactMap { $0.counterexample?.hyperparameter }
        convert = { value in declaration.accept(value)?.hyperparameter }
        check = { config in declaration.problem(in: config) }
    }

    /// `value` converted to this hyperparameter's type, or nil when it does not fit (an
    /// integer is accepted where a number is expected, a number where a list is).
    public func accept(_ value: HyperparameterValue) -> HyperparameterValue? { convert(value) }

    /// The first rule `config` breaks, naming the key at fault; nil when every rule holds.
    public func problem(in config: LearnerConfig) -> HyperparameterError? { check(config) }
}
