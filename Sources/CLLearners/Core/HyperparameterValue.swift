/// A hyperparameter value as written in a protocol file, before a declaration gives it a
/// Swift type. It is also the form recorded in results (`learner_config`) and grid labels.
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

/// The type a hyperparameter accepts, as protocol authors read it in errors and `cl-bench list`.
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
