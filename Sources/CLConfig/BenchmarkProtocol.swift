import CLData
import CLLearners

/// A protocol file, validated: everything a run needs, typed, with no defaults left to
/// guess. Built by `ProtocolParser`; nothing runs until a protocol has been validated.
public struct BenchmarkProtocol: Sendable {
    /// `name:` — also the results folder name (`results/<name>/`).
    public var name: String
    /// The file's full text, recorded as `protocol_yaml` in every results file.
    public var yaml: String
    /// The file it was read from.
    public var sourcePath: String
    public var dataset: DatasetSpec
    public var stream: StreamConfig
    /// `stream.online:` — the stream delivered online (single pass, anytime evaluation), or nil.
    public var online: OnlineStreamConfig?
    public var backbone: BackboneConfig
    public var training: TrainingConfig
    public var learners: [LearnerEntry]
    public var seeds: [Int]

    /// What is wrong with `seed` as a run seed (nil: nothing). Seeds feed 32-bit
    /// generators (numpy's RandomState for class orders, Mersenne Twister for streams).
    /// The one place this rule lives: the parser and `--seed` both ask it.
    public static func seedProblem(_ seed: Int) -> String? {
        seed >= 0 && seed <= Int(UInt32.max) ? nil : "seeds are integers in 0 ... 4294967295, got \(seed)"
    }
}

/// The `dataset:` block: a dataset name (or path) and its reader options.
public struct DatasetSpec: Sendable, Equatable {
    public var name: String
    /// Reader options: `resize`, `test_per_class`, `split_seed`, `invert`, `cache`.
    public var options: DatasetOptions

    public init(name: String, options: DatasetOptions = DatasetOptions()) {
        self.name = name
        self.options = options
    }
}

/// One entry of `learners:`: a registered learner with its validated configuration.
// a metatype is immutable; `any Learner.Type` just is not declared Sendable
public struct LearnerEntry: @unchecked Sendable {
    /// How results name this entry: the entry's `label:` if given, else the learner's
    /// registry name. Lets one protocol compare configurations of the same learner.
    public var name: String
    /// The learner's registry name (`name:` in the protocol).
    public var learnerType: String
    public var config: LearnerConfig
    /// The learner's type in the registry.
    public var type: any Learner.Type
}
