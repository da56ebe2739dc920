import CLData
import CLLearners
import CLResults
import Foundation
import Yams

/// Reads and validates protocol files. Every error is an `InputError` naming the file,
/// the line and the key: "Protocols/x.yaml:7: stream.classes_per_task: expected an integer, got 'two'".
public enum ProtocolParser {
    static let topLevelKeys = [
        "name", "description", "dataset", "stream", "backbone", "training", "learners", "seeds", "paper",
    ]
    static let streamKeys = [
        "kind", "initial_classes", "classes_per_task", "class_order", "base_classes",
        "ways", "shots", "sessions", "index_lists", "tasks", "online",
    ]
    static let backboneKeys = ["kind", "widths", "weights", "resolution", "width"]
    static let datasetKeys = ["name", "path", "resize", "test_per_class", "split_seed", "invert", "cache"]

    /// Reads and validates the protocol at `path`.
    public static func parse(file path: String) throws -> BenchmarkProtocol {
        try parse(text: try NodeReader.text(ofFile: path, "protocol file"), path: path)
    }

    /// Validates protocol `text`; `path` is used in messages, and relative paths inside the
    /// protocol are resolved against its folder (`ProtocolPaths`).
    public static func parse(text: String, path: String) throws -> BenchmarkProtocol {
        let reader = NodeReader(path: path)
        let root = try reader.compose(text, "protocol file")
        let top = try reader.mapping(root, "protocol", allowed: topLevelKeys)

        let name = try reader.string(reader.required(top, "name", in: root, context: ""), "name")
        if let problem = SafeFileName.problem(with: name) {
            throw reader.error(top["name"]!, "name", "\(problem) (it names the results folder)")
        }

        // dataset
        let datasetNode = try reader.required(top, "dataset", in: root, context: "")
        let dataset: DatasetSpec
        if case .scalar = datasetNode {
            dataset = DatasetSpec(name: Self.datasetName(try reader.string(datasetNode, "dataset"), protocolPath: path))
        } else {
            let fields = try reader.mapping(datasetNode, "dataset", allowed: datasetKeys)
            let datasetName = try reader.string(
                reader.required(fields, "name", in: datasetNode, context: "dataset."), "dataset.name")
            var options = DatasetOptions()
            for (key, node) in fields.entries {
                switch key {
                case "resize": options.resize = try reader.integer(node, "dataset.resize")
                case "test_per_class": options.testPerClass = try reader.integer(node, "dataset.test_per_class")
                case "split_seed": options.splitSeed = try reader.integer(node, "dataset.split_seed")
                case "invert": options.invert = try reader.flag(node, "dataset.invert")
                case "cache": options.useCache = try reader.flag(node, "dataset.cache")
                case "path": options.path = try reader.string(node, "dataset.path")  // resolved below
                default: break
                }
            }
            // `features` reads a file of precomputed embeddings and needs its path; other
            // datasets are found by name.
            if DatasetCatalog.canonicalName(datasetName) == "features" {
                guard let path = options.path, !path.isEmpty else {
                    throw reader.error(
                        datasetNode, "dataset.path",
                        "dataset 'features' needs path: the .h5 or .npz file with train/x, train/y, test/x, test/y")
                }
                guard
                    path.lowercased().hasSuffix(".h5") || path.lowercased().hasSuffix(".hdf5")
                        || path.lowercased().hasSuffix(".npz")
                else {
                    throw reader.error(
                        fields["path"]!, "dataset.path", "expected a .h5, .hdf5 or .npz file, got '\(path)'")
                }
                options.path = ProtocolPaths.resolve(path, protocolPath: reader.path)
            } else if let pathNode = fields["path"] {
                throw reader.error(
                    pathNode, "dataset.path",
                    "applies only to dataset 'features' (other datasets are found by name; a name may also be a path)")
            }
            do { try options.validate() } catch let error as InputError {
                throw reader.error(datasetNode, "", error.message)
            }
            dataset = DatasetSpec(name: Self.datasetName(datasetName, protocolPath: path), options: options)
        }

        let streamNode = try reader.required(top, "stream", in: root, context: "")
        let stream = try parseStream(streamNode, reader)
        let online = try parseOnline(streamNode, kind: stream.kind, reader)
        let backbone = try parseBackbone(top["backbone"], reader)
        let training = try parseTraining(top["training"], base: TrainingConfig(), context: "training", reader)

        // seeds
        var seeds = [0]
        if let seedsNode = top["seeds"] {
            switch seedsNode {
            case .sequence(let sequence):
                seeds = try sequence.map { try reader.integer($0, "seeds") }
            default:
                seeds = [try reader.integer(seedsNode, "seeds")]
            }
            guard !seeds.isEmpty else { throw reader.error(seedsNode, "seeds", "needs at least one seed") }
            guard Set(seeds).count == seeds.count else { throw reader.error(seedsNode, "seeds", "lists a seed twice") }
            for seed in seeds {
                if let problem = BenchmarkProtocol.seedProblem(seed) { throw reader.error(seedsNode, "seeds", problem) }
            }
        }

        // learners
        let learnersNode = try reader.required(top, "learners", in: root, context: "")
        guard case .sequence(let learnerNodes) = learnersNode, !learnerNodes.isEmpty else {
            throw reader.error(learnersNode, "learners", "expected a list of learners, e.g. [ { name: nmc } ]")
        }
        var learners: [LearnerEntry] = []
        for (position, node) in learnerNodes.enumerated() {
            let context = "learners[\(position)]"
            let fields: NodeReader.Fields
            if case .scalar = node {
                fields = NodeReader.Fields(entries: [("name", node)])
            } else {
                fields = try reader.mapping(node, context, allowed: nil)
            }
            let nameNode = try reader.required(fields, "name", in: node, context: context + ".")
            let learnerName = try reader.string(nameNode, context + ".name")
            guard let type = LearnerRegistry.type(named: learnerName) else {
                throw reader.error(nameNode, context + ".name", LearnerRegistry.unavailableMessage(learnerName))
            }
            var label = learnerName
            if let labelNode = fields["label"] {
                label = try reader.string(labelNode, context + ".label")
                if let problem = SafeFileName.problem(with: label) {
                    throw reader.error(labelNode, context + ".label", "\(problem) (it names results files)")
                }
            }
            if learners.contains(where: { $0.name == label }) {
                throw reader.error(
                    nameNode, context + ".name",
                    "'\(label)' is listed twice; give each configuration its own label: "
                        + "(one results file per label and seed)"
                )
            }
            let learnerTraining = try parseTraining(
                fields["training"], base: training, context: context + ".training", reader)
            var given: [String: HyperparameterValue] = [:]
            for (key, valueNode) in fields.entries
            where key != "name" && key != "training" && key != "label" && key != "backbone" {
                given[key] = try reader.value(valueNode, "\(context).\(key)")
            }
            // A learner entry may name its own backbone (for example a trained ResNet for
            // finetune next to nmc on raw pixels in one protocol).
            let learnerBackbone =
                try fields["backbone"].map { try parseBackbone($0, reader, context: context + ".backbone") } ?? backbone
            if online != nil, !(type is any OnlineLearner.Type) {
                let onlineLearners = LearnerRegistry.all.filter { $0 is any OnlineLearner.Type }.map { $0.name }
                throw reader.error(
                    nameNode, context + ".name",
                    "learner '\(learnerName)' does not learn online (it does not adopt OnlineLearner), "
                        + "so it cannot run a stream with online: (online learners: "
                        + "\(onlineLearners.joined(separator: ", ")))")
            }
            if let supported = type.supportedBackbones, !supported.contains(learnerBackbone.kind) {
                throw reader.error(
                    fields["backbone"] ?? nameNode,
                    fields["backbone"] == nil ? context + ".name" : context + ".backbone",
                    "learner '\(learnerName)' works with backbones \(supported.joined(separator: ", ")), "
                        + "not '\(learnerBackbone.kind)'"
                )
            }
            // Every declaration's type and rules, with this entry's training and backbone
            // blocks: nothing the learner's `init` reads can be wrong once the file parses.
            do {
                let config = try LearnerConfig(
                    specs: type.hyperparameters, given: given, training: learnerTraining,
                    backbone: learnerBackbone)
                learners.append(LearnerEntry(name: label, learnerType: learnerName, config: config, type: type))
            } catch let error as HyperparameterError {
                // The key at fault where the entry writes it (a rule across blocks may name
                // `training.steps`: then its block), else the entry.
                let block = error.key.split(separator: ".").first.map(String.init) ?? error.key
                let at = fields[error.key] ?? fields[block] ?? node
                throw reader.error(at, "\(context).\(error.key)", "\(learnerName): \(error.message)")
            }
        }

        // Numbers the paper reports, for the results table; checked here so a typo fails before any work.
        if let paper = top["paper"] { _ = try PaperReference.list(paper, labels: learners.map(\.name), reader) }

        return BenchmarkProtocol(
            name: name, yaml: text, sourcePath: path, dataset: dataset, stream: stream, online: online,
            backbone: backbone, training: training, learners: learners, seeds: seeds)
    }

    /// A dataset name as the catalog gets it: a name that is a path (an image folder or
    /// archive) resolved against the protocol's folder, a catalog name as written.
    static func datasetName(_ name: String, protocolPath: String) -> String {
        ProtocolPaths.datasetNameIsPath(name) ? ProtocolPaths.resolve(name, protocolPath: protocolPath) : name
    }

    static func parseStream(_ node: Node, _ reader: NodeReader) throws -> StreamConfig {
        let fields = try reader.mapping(node, "stream", allowed: streamKeys)
        let kindNode = try reader.required(fields, "kind", in: node, context: "stream.")
        let kindName = try reader.string(kindNode, "stream.kind")
        guard let kind = StreamKind(rawValue: kindName) else {
            let kinds = StreamKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw reader.error(kindNode, "stream.kind", "unknown stream kind '\(kindName)' (one of \(kinds))")
        }
        func optionalInt(_ key: String) throws -> Int? {
            guard let n = fields[key] else { return nil }
            let value = try reader.integer(n, "stream.\(key)")
            guard value > 0 else { throw reader.error(n, "stream.\(key)", "must be a positive integer, got \(value)") }
            return value
        }
        var order = ClassOrderSpec.natural
        if let orderNode = fields["class_order"] {
            switch orderNode {
            case .sequence(let items):
                order = .explicit(try items.map { try reader.integer($0, "stream.class_order") })
            case .mapping:
                let orderFields = try reader.mapping(orderNode, "stream.class_order", allowed: ["seed"])
                order = .seed(
                    try reader.integer(
                        reader.required(orderFields, "seed", in: orderNode, context: "stream.class_order."),
                        "stream.class_order.seed"))
            case .scalar:
                let text = try reader.string(orderNode, "stream.class_order")
                guard text == "natural" else {
                    throw reader.error(
                        orderNode, "stream.class_order",
                        "expected a list of labels, { seed: N } or 'natural', got '\(text)'")
                }
            default:
                throw reader.error(
                    orderNode, "stream.class_order", "expected a list of labels, { seed: N } or 'natural'")
            }
        }
        var indexLists: String? = nil
        if let listsNode = fields["index_lists"] {
            let folder = try reader.string(listsNode, "stream.index_lists")
            indexLists = ProtocolPaths.resolve(folder, protocolPath: reader.path)
        }
        var config = StreamConfig(
            kind: kind, initialClasses: try optionalInt("initial_classes"),
            classesPerTask: try optionalInt("classes_per_task"), classOrder: order,
            baseClasses: try optionalInt("base_classes"), ways: try optionalInt("ways"),
            shots: try optionalInt("shots"), sessions: try optionalInt("sessions"),
            indexLists: indexLists, tasks: try optionalInt("tasks"))
        // Keys of another kind are errors, not silently ignored.
        for (key, valueNode) in fields.entries {
            if let kinds = StreamConfig.kindsOfKey[key], !kinds.contains(kind) {
                throw reader.error(valueNode, "stream.\(key)", "does not apply to a \(kind.rawValue) stream")
            }
        }
        switch kind {
        case .classIncremental, .taskIncremental:
            guard config.classesPerTask != nil else {
                throw reader.error(node, "stream.classes_per_task", "a \(kind.rawValue) stream needs classes_per_task")
            }
        case .fewShotIncremental:
            if config.indexLists == nil {
                for key in ["base_classes", "ways", "shots", "sessions"] where fields[key] == nil {
                    throw reader.error(
                        node, "stream.\(key)", "a few-shot-incremental stream needs \(key) (or index_lists)")
                }
            }
        case .permuted:
            guard config.tasks != nil else { throw reader.error(node, "stream.tasks", "a permuted stream needs tasks") }
        }
        config.indexLists = indexLists
        return config
    }

    /// The stream's `online:` block, if any: `batch_size` and `eval_every` (positive
    /// integers), `boundaries` (`given`, the default, or `hidden`); only on class- and
    /// task-incremental streams.
    static func parseOnline(_ streamNode: Node, kind: StreamKind, _ reader: NodeReader) throws
        -> OnlineStreamConfig?
    {
        let streamFields = try reader.mapping(streamNode, "stream", allowed: streamKeys)
        guard let node = streamFields["online"] else { return nil }
        guard OnlineStreamConfig.kinds.contains(kind) else {
            throw reader.error(
                node, "stream.online",
                "a \(kind.rawValue) stream cannot be delivered online (only class-incremental and "
                    + "task-incremental streams)")
        }
        let fields = try reader.mapping(node, "stream.online", allowed: OnlineStreamConfig.keys)
        func positive(_ key: String) throws -> Int {
            let valueNode = try reader.required(fields, key, in: node, context: "stream.online.")
            let value = try reader.integer(valueNode, "stream.online.\(key)")
            guard value > 0 else {
                throw reader.error(valueNode, "stream.online.\(key)", "must be a positive integer, got \(value)")
            }
            return value
        }
        var config = OnlineStreamConfig(
            batchSize: try positive("batch_size"), evaluateEvery: try positive("eval_every"))
        if let boundariesNode = fields["boundaries"] {
            let names = OnlineStreamConfig.Boundaries.allCases.map(\.rawValue)
            config.boundaries =
                OnlineStreamConfig.Boundaries(
                    rawValue: try reader.choice(boundariesNode, "stream.online.boundaries", names)) ?? .given
        }
        return config
    }

    static func parseBackbone(_ node: Node?, _ reader: NodeReader, context: String = "backbone") throws
        -> BackboneConfig
    {
        guard let node else { return BackboneConfig() }
        let fields = try reader.mapping(node, context, allowed: backboneKeys)
        let kindNode = try reader.required(fields, "kind", in: node, context: context + ".")
        var config = BackboneConfig(kind: try reader.string(kindNode, context + ".kind"))
        if let widths = fields["widths"] {
            guard case .sequence(let items) = widths else {
                throw reader.error(widths, context + ".widths", "expected a list of integers")
            }
            config.widths = try items.map { try reader.integer($0, context + ".widths") }
        }
        guard BackboneConfig.available.contains(config.kind) else {
            throw reader.error(kindNode, context + ".kind", BackboneFactory.unavailableMessage(config.kind))
        }
        for key in ["weights", "resolution"] where fields[key] != nil && !config.isPretrained {
            throw reader.error(
                fields[key]!, context + "." + key,
                "applies only to pretrained backbones (\(BackboneFactory.pretrained.joined(separator: ", "))), "
                    + "not '\(config.kind)'"
            )
        }
        if config.isPretrained {
            config.weights = "imagenet"
            if let node = fields["weights"] {
                let weights = try reader.string(node, context + ".weights")
                let lower = weights.lowercased()
                guard
                    weights == "imagenet" || lower.hasSuffix(".pth") || lower.hasSuffix(".pt")
                        || lower.hasSuffix(".whl")
                else {
                    throw reader.error(
                        node, context + ".weights",
                        "expected 'imagenet' or the path of a .pth, .pt or .whl file, got '\(weights)'")
                }
                config.weights =
                    ProtocolPaths.weightsArePath(weights)
                    ? ProtocolPaths.resolve(weights, protocolPath: reader.path) : weights
            }
            config.resolution = BackboneFactory.defaultResolution
            if let node = fields["resolution"] {
                let resolution = try reader.integer(node, context + ".resolution")
                guard (32...1024).contains(resolution) else {
                    throw reader.error(
                        node, context + ".resolution", "must be in 32 ... 1024 pixels, got \(resolution)")
                }
                config.resolution = resolution
            }
        }
        if let node = fields["width"] {
            guard config.kind == "resnet18" else {
                throw reader.error(node, context + ".width", "applies only to resnet18 (its nf), not '\(config.kind)'")
            }
            let width = try reader.integer(node, context + ".width")
            guard width >= 1 else {
                throw reader.error(
                    node, context + ".width",
                    "must be a positive integer (nf: 64 full, 20 reduced), got \(width)")
            }
            config.width = width
        }
        if config.kind == "mlp" && (config.widths.isEmpty || config.widths.contains { $0 <= 0 }) {
            throw reader.error(
                fields["widths"] ?? node, context + ".widths",
                "mlp needs a list of positive hidden widths, for example [400, 400]")
        }
        return config
    }

    static func parseTraining(_ node: Node?, base: TrainingConfig, context: String, _ reader: NodeReader) throws
        -> TrainingConfig
    {
        guard let node else { return base }
        let fields = try reader.mapping(node, context, allowed: TrainingConfig.keys)
        var config = base
        for (key, valueNode) in fields.entries {
            let where_ = "\(context).\(key)"
            switch key {
            case "epochs": config.epochs = try reader.integer(valueNode, where_)
            case "steps": config.steps = try reader.integer(valueNode, where_)
            case "batch_size": config.batchSize = try reader.integer(valueNode, where_)
            case "optimizer": config.optimizer = try reader.choice(valueNode, where_, TrainingConfig.optimizers)
            case "lr": config.learningRate = try reader.number(valueNode, where_)
            case "momentum": config.momentum = try reader.number(valueNode, where_)
            case "nesterov": config.nesterov = try reader.flag(valueNode, where_)
            case "weight_decay": config.weightDecay = try reader.number(valueNode, where_)
            case "schedule": config.schedule = try reader.choice(valueNode, where_, TrainingConfig.schedules)
            case "milestones":
                guard case .sequence(let items) = valueNode else {
                    throw reader.error(valueNode, where_, "expected a list of epochs")
                }
                config.milestones = try items.map { try reader.integer($0, where_) }
            case "gamma": config.gamma = try reader.number(valueNode, where_)
            case "warmup_epochs": config.warmupEpochs = try reader.integer(valueNode, where_)
            case "augment":
                guard case .sequence(let items) = valueNode else {
                    throw reader.error(valueNode, where_, "expected a list, e.g. [crop4, hflip]")
                }
                config.augment = try items.map { try reader.choice($0, where_, TrainingConfig.augmentations) }
            case "label_smoothing": config.labelSmoothing = try reader.number(valueNode, where_)
            case "preset": config.preset = try reader.string(valueNode, where_)
            default: break
            }
        }
        // The block as merged (a learner's overrides on the protocol's block) must make
        // sense as a whole; the error points at the key at fault where this block sets it.
        if let problem = config.problems.first {
            throw reader.error(fields[problem.key] ?? node, "\(context).\(problem.key)", problem.message)
        }
        return config
    }
}
