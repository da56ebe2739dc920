/// A learner's validated hyperparameters: every key is one the learner declares, every
/// value has the declared type, and absent keys hold the documented default.
public struct LearnerConfig: Sendable {
    /// Values by hyperparameter name, defaults filled in.
    public private(set) var values: [String: HyperparameterValue]
    /// The training settings for this learner (the protocol's `training:` block with the
    /// learner entry's own overrides applied).
    public var training: TrainingConfig
    /// The feature extractor the protocol asks for.
    public var backbone: BackboneConfig

    /// Validates `given` against `specs`; throws `HyperparameterError` naming the key.
    public init(specs: [HyperparameterSpec], given: [String: HyperparameterValue],
                training: TrainingConfig = TrainingConfig(), backbone: BackboneConfig = BackboneConfig()) throws {
        var values: [String: HyperparameterValue] = [:]
        for spec in specs { values[spec.name] = spec.defaultValue }
        for (key, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let spec = specs.first(where: { $0.name == key }) else {
                let known = specs.map(\.name).sorted().joined(separator: ", ")
                throw HyperparameterError(key: key, message: "unknown hyperparameter (known: \(known.isEmpty ? "none" : known))")
            }
            guard let accepted = spec.accept(value) else {
                throw HyperparameterError(key: key, message: "expected \(spec.kind), got \(value)")
            }
            values[key] = accepted
        }
        self.values = values
        self.training = training
        self.backbone = backbone
    }

    public func integer(_ name: String) -> Int {
        if case .integer(let v)? = values[name] { return v }
        preconditionFailure("hyperparameter \(name) is not a declared integer")
    }
    public func number(_ name: String) -> Double {
        switch values[name] {
        case .number(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: preconditionFailure("hyperparameter \(name) is not a declared number")
        }
    }
    public func text(_ name: String) -> String {
        if case .text(let v)? = values[name] { return v }
        preconditionFailure("hyperparameter \(name) is not a declared choice")
    }
    public func numbers(_ name: String) -> [Double] {
        if case .numbers(let v)? = values[name] { return v }
        preconditionFailure("hyperparameter \(name) is not a declared list of numbers")
    }
    public func flag(_ name: String) -> Bool {
        if case .flag(let v)? = values[name] { return v }
        preconditionFailure("hyperparameter \(name) is not a declared flag")
    }

    /// The values as YAML text (sorted keys), recorded as `learner_config` in results.
    public var yaml: String {
        values.keys.sorted().map { "\($0): \(values[$0]!)" }.joined(separator: "\n")
    }
}

/// A hyperparameter that is unknown to the learner or has the wrong type.
public struct HyperparameterError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String
    public var description: String { "\(key): \(message)" }
}
