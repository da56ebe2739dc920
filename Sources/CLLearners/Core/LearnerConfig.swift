/// A learner's validated hyperparameters: every key is one the learner declares, every
/// value has the declared type and follows the declared rules, and absent keys hold the
/// documented default. Built by the protocol parser before any data loads, so a learner
/// reads its values without checking them.
public struct LearnerConfig: Sendable {
    /// Values by hyperparameter name, defaults filled in (recorded in results as `yaml`).
    public private(set) var values: [String: HyperparameterValue]
    /// The training settings for this learner (the protocol's `training:` block with the
    /// learner entry's own overrides applied).
    public var training: TrainingConfig
    /// The feature extractor the protocol asks for.
    public var backbone: BackboneConfig

    /// Validates `given` against `specs`: unknown keys, wrong types, then every rule of
    /// every declaration (in declaration order, defaults included, with `training` and
    /// `backbone` visible to rules across keys). Throws `HyperparameterError` naming the key.
    public init(
        specs: [HyperparameterSpec], given: [String: HyperparameterValue],
        training: TrainingConfig = TrainingConfig(), backbone: BackboneConfig = BackboneConfig()
    ) throws {
        var values: [String: HyperparameterValue] = [:]
        for spec in specs { values[spec.name] = spec.defaultValue }
        for (key, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let spec = specs.first(where: { $0.name == key }) else {
                let known = specs.map(\.name).sorted().joined(separator: ", ")
                throw HyperparameterError(
                    key: key,
                    message: "unknown hyperparameter (known: \(known.isEmpty ? "none" : known))")
            }
            guard let accepted = spec.accept(value) else {
                throw HyperparameterError(key: key, message: "expected \(spec.kind), got \(value)")
            }
            values[key] = accepted
        }
        self.values = values
        self.training = training
        self.backbone = backbone
        for spec in specs {
            if let problem = spec.problem(in: self) { throw problem }
        }
    }

    /// This configuration with `changes` applied, validated again against `specs` (a sweep's
    /// grid point: its values must follow the rules together with the entry's other keys).
    public func overriding(
        _ changes: [String: HyperparameterValue],
        specs: [HyperparameterSpec]
    ) throws -> LearnerConfig {
        try LearnerConfig(specs: specs, given: values.merging(changes) { $1 }, training: training, backbone: backbone)
    }

    /// The value of `key`. A key the learner did not list in its `hyperparameters` reads
    /// its default (protocols cannot set it: the parser calls it unknown).
    public subscript<Value>(key: Hyperparameter<Value>) -> Value {
        values[key.name].flatMap(key.accept) ?? key.defaultValue
    }

    /// The value of `spec` as recorded in results.
    public func value(of spec: HyperparameterSpec) -> HyperparameterValue { values[spec.name] ?? spec.defaultValue }

    /// The values as YAML text (sorted keys), recorded as `learner_config` in results.
    public var yaml: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
    }
}
