/// A hyperparameter value as written in a protocol file.
public enum HyperparameterValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case text(String)
    case flag(Bool)
    case numbers([Double])

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .number(let v): return String(v)
        case .text(let v): return v
        case .flag(let v): return String(v)
        case .numbers(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

/// The type a hyperparameter accepts.
public enum HyperparameterKind: Equatable, Sendable, CustomStringConvertible {
    case integer
    case number
    case choice([String])
    case flag
    case numbers

    public var description: String {
        switch self {
        case .integer: return "integer"
        case .number: return "number"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .flag: return "true or false"
        case .numbers: return "list of numbers"
        }
    }
}

/// One documented hyperparameter of a learner: name (the protocol key), type, default, meaning.
public struct HyperparameterSpec: Sendable {
    public let name: String
    public let kind: HyperparameterKind
    public let defaultValue: HyperparameterValue
    public let help: String

    public init(_ name: String, _ kind: HyperparameterKind, default defaultValue: HyperparameterValue, _ help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// `value` converted to this spec's kind, or nil when it does not fit (an integer is
    /// accepted where a number is expected; nothing else is converted).
    public func accept(_ value: HyperparameterValue) -> HyperparameterValue? {
        switch (kind, value) {
        case (.integer, .integer): return value
        case (.number, .number): return value
        case (.number, .integer(let i)): return .number(Double(i))
        case (.choice(let options), .text(let s)): return options.contains(s) ? value : nil
        case (.flag, .flag): return value
        case (.numbers, .numbers): return value
        case (.numbers, .number(let v)): return .numbers([v])
        case (.numbers, .integer(let v)): return .numbers([Double(v)])
        default: return nil
        }
    }
}
