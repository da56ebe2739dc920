import CLData
import CLLearners
import Foundation
import Testing
@testable import CLConfig

// Every hyperparameter of every built-in learner, tried through the protocol parser with a
// wrong type, each value its rules refuse, and a misspelt key: each must be a one-line
// error naming the file, the line and the key. The parser reads no data (the dataset
// folder named below does not exist), so each of these is caught before any work starts.

/// A protocol on a missing dataset folder whose only learner entry is `learner`, with
/// `key: value` on line 9 of its own when given. (Adam for hypernet, a constant rate for er.)
private func protocolText(learner: String, key: String? = nil, value: String = "") -> String {
    """
    name: declarations
    dataset: { name: /no/such/folder/images }
    stream: { kind: task-incremental, classes_per_task: 2 }
    backbone: { kind: mlp, widths: [8] }
    training: { epochs: 1, optimizer: adam, lr: 0.001, schedule: constant }
    seeds: [0]
    learners:
      - name: \(learner)
    """ + (key.map { "\n    \($0): \(value)" } ?? "")
}

/// The line `protocolText` writes the key on.
private let keyLine = 9

/// A YAML value whose type differs from `kind`.
private func wrongType(for kind: HyperparameterKind) -> String {
    switch kind {
    case .integer: return "2.5"
    case .number, .numbers, .flag: return "not-a-number"
    case .choice: return "not-one-of-them"
    }
}

/// `value` as YAML text.
private func yaml(_ value: HyperparameterValue) -> String {
    switch value {
    case .numbers(let items): return "[" + items.map { String($0) }.joined(separator: ", ") + "]"
    default: return value.description
    }
}

/// The message of the error `text` gives, or nil when it parses.
private func parseError(_ text: String) -> String? {
    do {
        _ = try ProtocolParser.parse(text: text, path: "decl.yaml")
        return nil
    } catch {
        return "\(error)"
    }
}

private let builtIn = LearnerRegistry.builtIn.map { $0.name }

@Test(arguments: builtIn)
func everyBuiltInLearnerParsesWithItsDefaults(learner: String) {
    #expect(parseError(protocolText(learner: learner)) == nil)
}

@Test(arguments: builtIn)
func aValueOfTheWrongTypeNamesFileLineAndKey(learner: String) throws {
    let type = try #require(LearnerRegistry.type(named: learner))
    for spec in type.hyperparameters {
        let message = parseError(protocolText(learner: learner, key: spec.name, value: wrongType(for: spec.kind)))
        let expected = "decl.yaml:\(keyLine): learners[0].\(spec.name): \(learner): expected \(spec.kind)"
        #expect(
            message?.hasPrefix(expected) == true,
            "\(learner).\(spec.name): \(message ?? "parsed")")
    }
}

@Test(arguments: builtIn)
func aValueOutsideTheRulesNamesFileLineAndKey(learner: String) throws {
    let type = try #require(LearnerRegistry.type(named: learner))
    for spec in type.hyperparameters {
        for value in spec.counterexamples {
            let message = parseError(protocolText(learner: learner, key: spec.name, value: yaml(value)))
            #expect(
                message?.hasPrefix("decl.yaml:\(keyLine): learners[0].\(spec.name): \(learner): must be ") == true,
                "\(learner).\(spec.name) = \(value): \(message ?? "parsed")")
        }
    }
}

@Test(arguments: builtIn)
func aMisspeltKeyNamesFileLineAndKey(learner: String) throws {
    let type = try #require(LearnerRegistry.type(named: learner))
    for spec in type.hyperparameters {
        let typo = String(spec.name.dropLast())
        let message = parseError(protocolText(learner: learner, key: typo, value: yaml(spec.defaultValue)))
        let expected = "decl.yaml:\(keyLine): learners[0].\(typo): \(learner): unknown hyperparameter"
        #expect(
            message?.hasPrefix(expected) == true,
            "\(learner).\(typo): \(message ?? "parsed")")
    }
}

/// The declarations have rules where a value would break the learner: the test above
/// tries them all, so it must have something to try.
@Test func rangedHyperparametersHaveCounterexamples() throws {
    let ranged = LearnerRegistry.builtIn.flatMap { type in
        type.hyperparameters.filter { !$0.counterexamples.isEmpty }.map { "\(type.name).\($0.name)" }
    }
    for expected in [
        "nmc.feature_batch", "teen.shift_weight", "napa-vq.edge_decay", "prd.projection_dim",
        "psenn.latent_dimension", "prob-psenn.initial_sigma", "hypernet.iterations",
        "hypernet.hnet_hidden", "lwf.distill_weight", "lwf.temperature", "ewc.lambda", "ewc.gamma", "der.memory",
        "der.alpha", "der.replay_batch_size",
    ] {
        #expect(ranged.contains(expected), "\(expected) has no range")
    }
}

/// Rules across keys read the entry's other keys and blocks, and name the key at fault.
private let acrossKeys: [(String, String)] = [
    (
        protocolText(learner: "hypernet", key: "generator", value: "rnn") + "\n    hnet_hidden: []",
        "decl.yaml:10: learners[0].hnet_hidden: hypernet: the rnn generator takes its state size"
    ),
    (
        protocolText(learner: "hypernet", key: "iterations", value: "10")
            .replacingOccurrences(of: "epochs: 1", with: "steps: 5"),
        "decl.yaml:8: learners[0].training.steps: hypernet: hypernet's budget is its iterations hyperparameter (10)"
    ),
    (
        protocolText(learner: "hypernet", key: "training", value: "{ optimizer: sgd }"),
        "decl.yaml:9: learners[0].training.optimizer: hypernet: hypernet trains with Adam"
    ),
    (
        protocolText(learner: "hypernet", key: "hnet_hidden", value: "[10, 2.5]"),
        "decl.yaml:9: learners[0].hnet_hidden: hypernet: must be whole numbers in 1 ... 16777216, got [10.0, 2.5]"
    ),
]

@Test(arguments: 0..<acrossKeys.count)
func rulesAcrossKeysNameTheKeyAtFault(index: Int) {
    let (text, expected) = acrossKeys[index]
    let message = parseError(text)
    #expect(message?.hasPrefix(expected) == true, "\(message ?? "parsed")")
}

/// Typed reads give the declared values, defaults where the entry is silent.
@Test func aLearnerReadsTypedValuesFromItsDeclarations() throws {
    let count = Hyperparameter<Int>("count", default: 3, .within(1...9), help: "a count")
    let scale = Hyperparameter<Double>("scale", default: 0.5, .greaterThan(0), help: "a scale")
    let specs = [count.spec, scale.spec]
    let config = try LearnerConfig(specs: specs, given: ["scale": .integer(2)])
    #expect(config[count] == 3 && config[scale] == 2.0)
    #expect(config.values == ["count": .integer(3), "scale": .number(2)])
    #expect(throws: HyperparameterError.self) { try config.overriding(["count": .integer(10)], specs: specs) }
    #expect(try config.overriding(["count": .integer(9)], specs: specs)[count] == 9)
}
