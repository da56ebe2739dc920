import CLLearners

/// A sweep file, validated: which protocols, learners, seeds and hyperparameter grid
/// points to run, and what each run may ask of a cluster. Built by `SweepParser`.
public struct SweepSpec: Sendable {
    /// `name:` — names the sweep's record folder (`<out>/sweeps/<name>/`) and its Slurm jobs.
    public var name: String
    /// The sweep file it was read from.
    public var sourcePath: String
    /// `protocols:` — protocol files, each already validated.
    public var protocols: [BenchmarkProtocol]
    /// `learners:` — entry names (labels) to keep from each protocol; nil keeps them all.
    public var learners: [String]?
    /// `seeds:` — replaces each protocol's seeds; nil keeps them.
    public var seeds: [Int]?
    /// `grid:` — per learner entry name, hyperparameter values to cross.
    public var grid: [String: [GridAxis]]
    /// `resources:` — what each run asks of the scheduler.
    public var resources: SweepResources
}

/// One hyperparameter of a grid and the values it takes, in file order.
public struct GridAxis: Sendable {
    public var key: String
    /// The values as given (already checked against the learner's hyperparameters).
    public var values: [HyperparameterValue]
    /// The values' YAML text, copied into the generated protocol's learner entries.
    public var yamlValues: [String]
}

/// The `resources:` block: each key becomes one `#SBATCH` line; absent keys are left to
/// the cluster's defaults.
public struct SweepResources: Sendable, Equatable {
    /// `cpus` → `--cpus-per-task` (also the run's BLAS thread count).
    public var cpus: Int?
    /// `memory` → `--mem`, e.g. 8G.
    public var memory: String?
    /// `time` → `--time`, e.g. "4:00:00" or "1-00:00:00".
    public var time: String?
    /// `partition` → `--partition`.
    public var partition: String?
    /// `gpus` → `--gpus-per-task`.
    public var gpus: Int?
    /// `account` → `--account`.
    public var account: String?
    /// `qos` → `--qos`.
    public var qos: String?

    public init() {}

    static let keys = ["cpus", "memory", "time", "partition", "gpus", "account", "qos"]
}
