import CLData
import CLLearners
import Testing
@testable import CLEval

private let valid = """
name: split-test
dataset: { name: mnist, resize: 14 }
stream: { kind: class-incremental, initial_classes: 4, classes_per_task: 2, class_order: { seed: 1993 } }
backbone: { kind: identity }
training: { epochs: 3, batch_size: 64, optimizer: adam, lr: 1.0e-3, augment: [crop4, hflip] }
learners:
  - { name: nmc, metric: euclidean }
seeds: [0, 1, 2]
"""

@Test func parsesAValidProtocolIntoTypedValues() throws {
    let spec = try ProtocolParser.parse(text: valid, path: "p.yaml")
    #expect(spec.name == "split-test")
    #expect(spec.dataset == DatasetSpec(name: "mnist", options: DatasetOptions(resize: 14)))
    #expect(spec.stream.kind == .classIncremental)
    #expect(spec.stream.initialClasses == 4 && spec.stream.classesPerTask == 2)
    #expect(spec.stream.classOrder == .seed(1993))
    #expect(spec.training.epochs == 3 && spec.training.batchSize == 64 && spec.training.optimizer == "adam")
    #expect(spec.training.learningRate == 1e-3 && spec.training.augment == ["crop4", "hflip"])
    #expect(spec.learners.map(\.name) == ["nmc"])
    #expect(spec.learners[0].config.text("metric") == "euclidean")
    #expect(spec.learners[0].config.training.epochs == 3)
    #expect(spec.seeds == [0, 1, 2])
    #expect(spec.yaml == valid)
}

@Test func aLearnerEntryMayNameItsOwnBackbone() throws {
    let text = valid.replacingOccurrences(of: "  - { name: nmc, metric: euclidean }",
                                          with: "  - { name: nmc, metric: euclidean }\n  - { name: finetune, backbone: { kind: mlp, widths: [32, 16] } }")
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    #expect(spec.learners.map(\.name) == ["nmc", "finetune"])
    #expect(spec.learners[0].config.backbone == BackboneConfig(kind: "identity"))
    #expect(spec.learners[1].config.backbone == BackboneConfig(kind: "mlp", widths: [32, 16]))
}

@Test func explicitClassOrderAndPerLearnerTrainingOverride() throws {
    let text = """
    name: x
    dataset: mnist
    stream: { kind: task-incremental, classes_per_task: 5, class_order: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] }
    training: { epochs: 3 }
    learners:
      - name: nmc
        training: { epochs: 7 }
    """
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    #expect(spec.stream.classOrder == .explicit([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]))
    #expect(spec.training.epochs == 3)
    #expect(spec.learners[0].config.training.epochs == 7)
    #expect(spec.seeds == [0])
}

/// Each case: a protocol with one mistake, and what the one-line error must name.
private let mistakes: [(String, String)] = [
    (valid.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 1, 2]\nepoch: 3"), "p.yaml:9: epoch: unknown key"),
    (valid.replacingOccurrences(of: "batch_size: 64", with: "batch_size: sixty"), "p.yaml:5: training.batch_size: expected an integer, got 'sixty'"),
    (valid.replacingOccurrences(of: "name: nmc", with: "name: prd"), "learner 'prd' is not available in this version"),
    (valid.replacingOccurrences(of: "name: nmc", with: "name: nope"), "unknown learner 'nope'"),
    (valid.replacingOccurrences(of: "metric: euclidean", with: "metric: manhattan"), "p.yaml:7: learners[0].metric: nmc: expected one of cosine, euclidean"),
    (valid.replacingOccurrences(of: "metric: euclidean", with: "metrik: cosine"), "learners[0].metrik: nmc: unknown hyperparameter"),
    (valid.replacingOccurrences(of: "kind: identity", with: "kind: pretrained"), "backbone 'pretrained' is not available in this version"),
    (valid.replacingOccurrences(of: "kind: identity", with: "kind: mlp"), "p.yaml:4: backbone.widths: mlp needs a list of positive hidden widths"),
    (valid.replacingOccurrences(of: "name: nmc, metric: euclidean", with: "name: finetune"), "p.yaml:7: learners[0].name: learner 'finetune' works with backbones mlp, conv4, resnet20, resnet32, not 'identity'"),
    (valid.replacingOccurrences(of: "metric: euclidean", with: "metric: euclidean, backbone: { kind: resnet21 }"), "p.yaml:7: learners[0].backbone.kind: unknown backbone 'resnet21'"),
    (valid.replacingOccurrences(of: "kind: class-incremental", with: "kind: class-incrementl"), "unknown stream kind 'class-incrementl'"),
    (valid.replacingOccurrences(of: "classes_per_task: 2,", with: "classes_per_task: 2, tasks: 3,"), "stream.tasks: does not apply to a class-incremental stream"),
    (valid.replacingOccurrences(of: "optimizer: adam", with: "optimizer: rmsprop"), "training.optimizer: expected one of sgd, adam, adamw"),
    (valid.replacingOccurrences(of: "name: split-test\n", with: ""), "name: missing (required)"),
    (valid.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 0]"), "seeds: lists a seed twice"),
    (valid.replacingOccurrences(of: "stream: {", with: "stream: [ {").replacingOccurrences(of: "seed: 1993 } }", with: "seed: 1993 } }]"), "stream: expected a mapping"),
    ("name: x\n  bad: [indent", "not valid YAML"),
    ("", "empty"),
    (valid.replacingOccurrences(of: "resize: 14", with: "resize: 0"), "p.yaml:2: dataset: resize must be in 1 ... 4096"),
    (valid.replacingOccurrences(of: "resize: 14", with: "rezise: 14"), "p.yaml:2: dataset.rezise: unknown key"),
    // Names become paths: `..` wrote results outside the output folder.
    (valid.replacingOccurrences(of: "name: split-test", with: "name: .."), "p.yaml:1: name: must be letters, digits, '.', '_' or '-', starting with a letter or digit, got '..'"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: ."), "p.yaml:1: name: must be letters"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: .hidden"), "p.yaml:1: name: must be letters"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: '-rf'"), "p.yaml:1: name: must be letters"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: " + String(repeating: "a", count: 101)), "p.yaml:1: name: is longer than 100 characters"),
    (valid.replacingOccurrences(of: "metric: euclidean", with: "metric: euclidean, label: .."), "p.yaml:7: learners[0].label: must be letters"),
]

@Test(arguments: 0..<mistakes.count)
func mistakesAreOneLineErrorsNamingFileLineAndKey(index: Int) {
    let (text, expected) = mistakes[index]
    do {
        _ = try ProtocolParser.parse(text: text, path: "p.yaml")
        Issue.record("expected an error containing \(expected)")
    } catch let error as InputError {
        #expect(error.description.contains(expected), "got: \(error.description)")
        #expect(error.description.hasPrefix("p.yaml"))
        #expect(!error.description.contains("\n"))
    } catch {
        Issue.record("expected an InputError, got \(error)")
    }
}

@Test func labelsLetOneProtocolCompareConfigurationsOfOneLearner() throws {
    let text = """
    name: x
    dataset: mnist
    stream: { kind: class-incremental, classes_per_task: 5 }
    learners:
      - { name: nmc }
      - { name: nmc, label: nmc-euclidean, metric: euclidean }
    """
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    #expect(spec.learners.map(\.name) == ["nmc", "nmc-euclidean"])
    #expect(spec.learners.map(\.learnerType) == ["nmc", "nmc"])
    #expect(spec.learners[1].config.text("metric") == "euclidean")
    let duplicate = text.replacingOccurrences(of: "label: nmc-euclidean, ", with: "")
    #expect(throws: InputError.self) { try ProtocolParser.parse(text: duplicate, path: "p.yaml") }
}

@Test func missingFileIsAnInputError() {
    #expect(throws: InputError.self) { try ProtocolParser.parse(file: "/nonexistent/protocol.yaml") }
}
