/// A learner configuration that breaks a declaration: an unknown key, a wrong type or a
/// broken rule. `key` is the one at fault (a hyperparameter, or `training.steps` and the
/// like for rules across blocks); the protocol parser adds the file and the line.
public struct HyperparameterError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
