/// A Swift type a hyperparameter may have. It says how a protocol's value converts to it,
/// so that a learner reads `config[Self.key]` as an `Int`, a `Double` or its own enum and
/// never parses text or unwraps an optional itself.
public protocol HyperparameterType: Sendable, Equatable {
    /// The type as errors and `cl-bench list` name it.
    static var kind: HyperparameterKind { get }
    /// `value` as this type, or nil when the protocol gave a value of another type.
    init?(hyperparameter value: HyperparameterValue)
    /// The value as recorded in results (`learner_config`).
    var hyperparameter: HyperparameterValue { get }
}

extension Int: HyperparameterType {
    public static var kind: HyperparameterKind { .integer }
    public init?(hyperparameter value: HyperparameterValue) {
        guard case .integer(let v) = value else { return nil }
        self = v
    }
    public var hyperparameter: HyperparameterValue { .integer(self) }
}

/// A number also accepts an integer (`lr: 1` means 1.0); infinities and NaN are no numbers.
extension Double: HyperparameterType {
    public static var kind: HyperparameterKind { .number }
    public init?(hyperparameter value: HyperparameterValue) {
        switch value {
        case .number(let v) where v.isFinite: self = v
        case .integer(let v): self = Double(v)
        default: return nil
        }
    }
    public var hyperparameter: HyperparameterValue { .number(self) }
}

extension Bool: HyperparameterType {
    public static var kind: HyperparameterKind { .flag }
    public init?(hyperparameter value: HyperparameterValue) {
        guard case .flag(let v) = value else { return nil }
        self = v
    }
    public var hyperparameter: HyperparameterValue { .flag(self) }
}

/// A list of numbers also accepts a single number (`hnet_hidden: 10` means [10]).
extension Array: HyperparameterType where Element == Double {
    public static var kind: HyperparameterKind { .numbers }
    public init?(hyperparameter value: HyperparameterValue) {
        switch value {
        case .numbers(let v) where v.allSatisfy(\.isFinite): self = v
        case .number(let v) where v.isFinite: self = [v]
        case .integer(let v): self = [Double(v)]
        default: return nil
        }
    }
    public var hyperparameter: HyperparameterValue { .numbers(self) }
}

/// A hyperparameter with a fixed set of text values, declared as a `String` enum: the
/// learner switches over cases, and a protocol's text outside them is a type error.
public protocol HyperparameterChoice: HyperparameterType, RawRepresentable<String>, CaseIterable {}

extension HyperparameterChoice {
    public static var kind: HyperparameterKind { .choice(allCases.map(\.rawValue)) }
    public init?(hyperparameter value: HyperparameterValue) {
        guard case .text(let text) = value else { return nil }
        self.init(rawValue: text)
    }
    public var hyperparameter: HyperparameterValue { .text(rawValue) }
}
