import CLData
import CLLearners
import Testing
@testable import CLConfig

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
    #expect(spec.learners[0].config.values["metric"] == .text("euclidean"))
    #expect(spec.learners[0].config.training.epochs == 3)
    #expect(spec.seeds == [0, 1, 2])
    #expect(spec.yaml == valid)
}

@Test func aLearnerEntryMayNameItsOwnBackbone() throws {
    let text = valid.replacingOccurrences(
        of: "  - { name: nmc, metric: euclidean }",
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
    (
        valid.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 1, 2]\nepoch: 3"),
        "p.yaml:9: epoch: unknown key"
    ),
    (
        valid.replacingOccurrences(of: "batch_size: 64", with: "batch_size: sixty"),
        "p.yaml:5: training.batch_size: expected an integer, got 'sixty'"
    ),
    (valid.replacingOccurrences(of: "name: nmc", with: "name: nope"), "unknown learner 'nope'"),
    (
        valid.replacingOccurrences(of: "metric: euclidean", with: "metric: manhattan"),
        "p.yaml:7: learners[0].metric: nmc: expected one of cosine, euclidean"
    ),
    (
        valid.replacingOccurrences(of: "metric: euclidean", with: "metrik: cosine"),
        "learners[0].metrik: nmc: unknown hyperparameter"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: pretrained"),
        "p.yaml:4: backbone.kind: unknown backbone 'pretrained'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet20, weights: imagenet"),
        "p.yaml:4: backbone.weights: applies only to pretrained backbones (efficientnet-lite0), not 'resnet20'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet20, width: 20"),
        "p.yaml:4: backbone.width: applies only to resnet18 (its nf), not 'resnet20'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet18, width: 0"),
        "p.yaml:4: backbone.width: must be a positive integer (nf: 64 full, 20 reduced), got 0"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet18, width: wide"),
        "p.yaml:4: backbone.width: expected an integer, got 'wide'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0, resolution: 16"),
        "p.yaml:4: backbone.resolution: must be in 32 ... 1024 pixels, got 16"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0, resolution: big"),
        "p.yaml:4: backbone.resolution: expected an integer, got 'big'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0, weights: lite0.bin"),
        "p.yaml:4: backbone.weights: expected 'imagenet' or the path of a .pth, .pt or .whl file, got 'lite0.bin'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0").replacingOccurrences(
            of: "metric: euclidean", with: "metric: euclidean, train_base: true"),
        "p.yaml:7: learners[0].train_base: nmc: the pretrained backbone 'efficientnet-lite0' is frozen"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0").replacingOccurrences(
            of: "name: nmc, metric: euclidean", with: "name: teen"),
        "p.yaml:7: learners[0].train_base: teen: the pretrained backbone 'efficientnet-lite0' is frozen: it cannot be "
            + "trained on the base task (set train_base: false)"
    ),
    (
        valid.replacingOccurrences(of: "name: mnist, resize: 14", with: "name: features"),
        "p.yaml:2: dataset.path: dataset 'features' needs path"
    ),
    (
        valid.replacingOccurrences(of: "name: mnist, resize: 14", with: "name: features, path: x.csv"),
        "p.yaml:2: dataset.path: expected a .h5, .hdf5 or .npz file, got 'x.csv'"
    ),
    (
        valid.replacingOccurrences(of: "name: mnist, resize: 14", with: "name: mnist, path: x.h5"),
        "p.yaml:2: dataset.path: applies only to dataset 'features'"
    ),
    (
        valid.replacingOccurrences(of: "kind: identity", with: "kind: mlp"),
        "p.yaml:4: backbone.widths: mlp needs a list of positive hidden widths"
    ),
    (
        valid.replacingOccurrences(of: "name: nmc, metric: euclidean", with: "name: finetune"),
        "p.yaml:7: learners[0].name: learner 'finetune' works with backbones mlp, conv4, resnet20, resnet32, resnet18, "
            + "not 'identity'"
    ),
    (
        valid.replacingOccurrences(of: "metric: euclidean", with: "metric: euclidean, backbone: { kind: resnet21 }"),
        "p.yaml:7: learners[0].backbone.kind: unknown backbone 'resnet21'"
    ),
    (
        valid.replacingOccurrences(of: "kind: class-incremental", with: "kind: class-incrementl"),
        "unknown stream kind 'class-incrementl'"
    ),
    (
        valid.replacingOccurrences(of: "classes_per_task: 2,", with: "classes_per_task: 2, tasks: 3,"),
        "stream.tasks: does not apply to a class-incremental stream"
    ),
    (
        valid.replacingOccurrences(of: "optimizer: adam", with: "optimizer: rmsprop"),
        "training.optimizer: expected one of sgd, adam, adamw"
    ),
    (valid.replacingOccurrences(of: "name: split-test\n", with: ""), "name: missing (required)"),
    (valid.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 0]"), "seeds: lists a seed twice"),
    (
        valid.replacingOccurrences(of: "stream: {", with: "stream: [ {").replacingOccurrences(
            of: "seed: 1993 } }", with: "seed: 1993 } }]"), "stream: expected a mapping"
    ),
    ("name: x\n  bad: [indent", "not valid YAML"),
    ("", "empty"),
    (
        valid.replacingOccurrences(of: "resize: 14", with: "resize: 0"),
        "p.yaml:2: dataset: resize must be in 1 ... 4096"
    ),
    (valid.replacingOccurrences(of: "resize: 14", with: "rezise: 14"), "p.yaml:2: dataset.rezise: unknown key"),
    // Names become paths: `..` wrote results outside the output folder.
    (
        valid.replacingOccurrences(of: "name: split-test", with: "name: .."),
        "p.yaml:1: name: must be letters, digits, '.', '_' or '-', starting with a letter or digit, got '..'"
    ),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: ."), "p.yaml:1: name: must be letters"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: .hidden"), "p.yaml:1: name: must be letters"),
    (valid.replacingOccurrences(of: "name: split-test", with: "name: '-rf'"), "p.yaml:1: name: must be letters"),
    (
        valid.replacingOccurrences(of: "name: split-test", with: "name: " + String(repeating: "a", count: 101)),
        "p.yaml:1: name: is longer than 100 characters"
    ),
    (
        valid.replacingOccurrences(of: "metric: euclidean", with: "metric: euclidean, label: .."),
        "p.yaml:7: learners[0].label: must be letters"
    ),
    // The training block as a whole, checked before any data loads (TrainingConfig.problems).
    (training(["epochs": "0"]), "p.yaml:5: training.epochs: must be at least 1, got 0"),
    (training(["steps": "0"]), "p.yaml:5: training.steps: must be at least 1, got 0"),
    (training(["batch_size": "0"]), "p.yaml:5: training.batch_size: must be at least 1"),
    (training(["lr": "-0.1"]), "p.yaml:5: training.lr: must be a positive number"),
    (
        training(["optimizer": "sgd", "momentum": "0", "nesterov": "true"]),
        "p.yaml:5: training.nesterov: Nesterov needs momentum > 0"
    ),
    (training(["nesterov": "true"]), "p.yaml:5: training.nesterov: Nesterov applies to optimizer sgd only, not adam"),
    (training(["momentum": "1.5"]), "p.yaml:5: training.momentum: must be in [0, 1)"),
    (training(["weight_decay": "-1.0e-4"]), "p.yaml:5: training.weight_decay: must be 0 or more"),
    (training(["warmup_epochs": "-1"]), "p.yaml:5: training.warmup_epochs: must be 0 or more"),
    (training(["warmup_epochs": "3"]), "p.yaml:5: training.warmup_epochs: must be fewer than epochs (3)"),
    (training(["schedule": "step"]), "p.yaml:5: training.milestones: schedule 'step' needs milestones"),
    (
        training(["schedule": "multistep", "milestones": "[2, 1]"]),
        "p.yaml:5: training.milestones: schedule 'multistep' needs increasing positive epochs"
    ),
    (
        training(["milestones": "[2]"]),
        "p.yaml:5: training.milestones: only schedules 'step' and 'multistep' take milestones"
    ),
    (training(["gamma": "0"]), "p.yaml:5: training.gamma: must be a positive number"),
    (training(["label_smoothing": "1.0"]), "p.yaml:5: training.label_smoothing: must be in [0, 1)"),
    (training(["augment": "[crop4, rotate]"]), "training.augment: expected one of crop4, hflip"),
    // A learner's override is checked merged with the protocol's block, where it is written.
    (
        valid.replacingOccurrences(of: "metric: euclidean", with: "metric: euclidean, training: { epochs: 0 }"),
        "p.yaml:7: learners[0].training.epochs: must be at least 1, got 0"
    ),
]

/// The valid protocol with its training block's keys replaced or added.
private func training(_ changes: KeyValuePairs<String, String>) -> String {
    var fields: [(String, String)] = [
        ("epochs", "3"), ("batch_size", "64"), ("optimizer", "adam"), ("lr", "1.0e-3"), ("augment", "[crop4, hflip]"),
    ]
    for (key, value) in changes {
        if let i = fields.firstIndex(where: { $0.0 == key }) {
            fields[i].1 = value
        } else {
            fields.append((key, value))
        }
    }
    return valid.replacingOccurrences(
        of: "training: { epochs: 3, batch_size: 64, optimizer: adam, lr: 1.0e-3, augment: [crop4, hflip] }",
        with: "training: { " + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + " }")
}

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
    #expect(spec.learners[1].config.values["metric"] == .text("euclidean"))
    let duplicate = text.replacingOccurrences(of: "label: nmc-euclidean, ", with: "")
    #expect(throws: InputError.self) { try ProtocolParser.parse(text: duplicate, path: "p.yaml") }
}

@Test func pretrainedBackboneKeysHaveDefaults() throws {
    let spec = try ProtocolParser.parse(
        text: valid.replacingOccurrences(of: "kind: identity", with: "kind: efficientnet-lite0"), path: "p.yaml")
    #expect(spec.backbone == BackboneConfig(kind: "efficientnet-lite0", weights: "imagenet", resolution: 224))
    #expect(spec.learners[0].config.backbone.isPretrained)
    let custom = try ProtocolParser.parse(
        text: valid.replacingOccurrences(
            of: "kind: identity", with: "kind: efficientnet-lite0, weights: w/lite0.pth, resolution: 160"
        )
        .replacingOccurrences(of: "name: mnist, resize: 14", with: "name: features, path: f.npz"), path: "/p/p.yaml")
    // Paths are relative to the protocol's folder (ProtocolPathsTests).
    #expect(custom.backbone == BackboneConfig(kind: "efficientnet-lite0", weights: "/p/w/lite0.pth", resolution: 160))
    #expect(custom.dataset.name == "features" && custom.dataset.options.path == "/p/f.npz")
}

/// `resnet18` takes an optional `width` (nf; absent means 64) and is accepted by every
/// learner that trains a backbone, as resnet20 is.
@Test func resnet18TakesAWidthAndEveryTrainingLearnerAcceptsIt() throws {
    let learners = ["finetune", "joint", "prd", "napa-vq", "teen", "nmc, train_base: true"]
    let text = valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet18, width: 20")
        .replacingOccurrences(
            of: "  - { name: nmc, metric: euclidean }",
            with: learners.map { "  - { name: \($0) }" }.joined(separator: "\n"))
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    #expect(spec.backbone == BackboneConfig(kind: "resnet18", width: 20))
    #expect(spec.learners.count == learners.count)
    #expect(spec.learners.allSatisfy { $0.config.backbone.width == 20 })
    let full = try ProtocolParser.parse(
        text: valid.replacingOccurrences(of: "kind: identity", with: "kind: resnet18"),
        path: "p.yaml")
    #expect(full.backbone == BackboneConfig(kind: "resnet18") && full.backbone.width == nil)
    #expect(BackboneConfig.available.contains("resnet18"))
}

@Test func missingFileIsAnInputError() {
    #expect(throws: InputError.self) { try ProtocolParser.parse(file: "/nonexistent/protocol.yaml") }
}

// MARK: Online streams

private let online = """
    name: online-test
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 2,
              online: { batch_size: 10, eval_every: 500, boundaries: hidden } }
    backbone: { kind: mlp, widths: [8] }
    training: { optimizer: sgd, lr: 0.1, schedule: constant }
    learners: [ { name: er, memory: 100 } ]
    """

@Test func parsesAnOnlineStream() throws {
    let spec = try ProtocolParser.parse(text: online, path: "o.yaml")
    #expect(spec.online == OnlineStreamConfig(batchSize: 10, evaluateEvery: 500, boundaries: .hidden))
    #expect(spec.stream.kind == .classIncremental && spec.stream.classesPerTask == 2)
    let given = try ProtocolParser.parse(
        text: online.replacingOccurrences(of: ", boundaries: hidden", with: ""), path: "o.yaml")
    #expect(given.online?.boundaries == .given)
    #expect(try ProtocolParser.parse(text: valid, path: "p.yaml").online == nil)
}

private let badOnlineBlocks: [(String, String)] = [
    (
        online.replacingOccurrences(
            of: "kind: class-incremental, classes_per_task: 2", with: "kind: permuted, tasks: 3"),
        "o.yaml:4: stream.online: a permuted stream cannot be delivered online (only class-incremental and "
            + "task-incremental streams)"
    ),
    (online.replacingOccurrences(of: "batch_size: 10", with: "batch_size: 0"), "o.yaml:4: stream.online.batch_size: "),
    (
        online.replacingOccurrences(of: "eval_every: 500, ", with: ""),
        "stream.online.eval_every: missing (required)"
    ),
    (
        online.replacingOccurrences(of: "boundaries: hidden", with: "boundaries: maybe"),
        "o.yaml:4: stream.online.boundaries: expected one of given, hidden, got 'maybe'"
    ),
    (
        online.replacingOccurrences(of: "eval_every", with: "evaluate_every"),
        "stream.online.evaluate_every: unknown key"
    ),
    (
        online.replacingOccurrences(of: "{ batch_size: 10, eval_every: 500, boundaries: hidden }", with: "yes"),
        "o.yaml:4: stream.online: expected a mapping"
    ),
    (
        online.replacingOccurrences(of: "{ name: er, memory: 100 }", with: "{ name: er }, { name: nmc }"),
        "o.yaml:7: learners[1].name: learner 'nmc' does not learn online (it does not adopt OnlineLearner), so it "
            + "cannot run a stream with online: (online learners: er)"
    ),
    (
        online.replacingOccurrences(of: "schedule: constant", with: "schedule: cosine"),
        "o.yaml:7: learners[0].training.schedule: er: er steps once per incoming batch"
    ),
]

@Test(arguments: badOnlineBlocks)
func refusesABadOnlineBlock(_ text: String, _ expected: String) {
    let message = inputErrorMessage { _ = try ProtocolParser.parse(text: text, path: "o.yaml") }
    #expect(message.contains(expected), "\(message)")
}
