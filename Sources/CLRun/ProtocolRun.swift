import CLConfig
import CLData
import CLLearners
import CLResults
import Foundation

/// Every run a protocol asks for (its learners x its seeds, or a chosen subset), one
/// results file each: what `cl-bench run` does, as a library call that tests and other
/// front ends (sweeps) can make.
public struct ProtocolRun {
    public let spec: BenchmarkProtocol
    /// The learner entries to run, in protocol order.
    public let learners: [LearnerEntry]
    public let seeds: [Int]
    /// Results folder of the protocol: `<out>/<protocol name>/`.
    public let folder: String
    /// `--resume`: runs whose results file is complete are skipped; see `ResumeDecision`.
    public var resume = false
    /// Where learners on a frozen pretrained backbone get their features: computed once per
    /// backbone (and cached for later runs) instead of per learner; nil runs them on pixels.
    public var featureCache: PretrainedFeatureCache? = nil

    /// Selects learners (by label; all when empty) and seeds (all of the protocol's when
    /// empty). Unknown labels and invalid seeds are bad input naming the protocol file.
    public init(_ spec: BenchmarkProtocol, learners names: [String] = [], seeds: [Int] = [], out: String = "results")
        throws
    {
        self.spec = spec
        for name in names where !spec.learners.contains(where: { $0.name == name }) {
            throw InputError(
                file: spec.sourcePath,
                "--learner \(name): the protocol has no learner '\(name)' (it has: "
                    + "\(spec.learners.map(\.name).joined(separator: ", ")))"
            )
        }
        learners = names.isEmpty ? spec.learners : spec.learners.filter { names.contains($0.name) }
        for seed in seeds {
            if let problem = BenchmarkProtocol.seedProblem(seed) {
                throw InputError(file: spec.sourcePath, "--seed \(seed): \(problem)")
            }
        }
        self.seeds = seeds.isEmpty ? spec.seeds : seeds
        folder = (out as NSString).appendingPathComponent(spec.name)
    }

    /// Where the run of `learner` (its label) with `seed` writes.
    public func resultsPath(learner: String, seed: Int) -> String {
        (folder as NSString).appendingPathComponent("\(learner)-seed\(seed).h5")
    }

    /// Runs everything selected on `dataset`, seed by seed (one stream per seed), and
    /// returns the paths written. `log` gets a line per run and per task; `status` the
    /// learners' live status.
    @discardableResult
    public func run(
        on dataset: Dataset, log: @escaping (String) -> Void = { _ in },
        status: @escaping (String) -> Void = { _ in }
    ) throws -> [String] {
        try MemoryEstimate.check(spec, dataset: dataset, protocolPath: spec.sourcePath)
        var featureSets: [BackboneConfig: Dataset] = [:]
        if let featureCache {
            for entry in learners where entry.config.backbone.isPretrained && featureSets[entry.config.backbone] == nil
            {
                do {
                    featureSets[entry.config.backbone] = try featureCache.features(
                        of: dataset, backbone: entry.config.backbone)
                } catch let error as InputError where error.file.isEmpty {
                    throw InputError(file: spec.sourcePath, error.message)
                } catch let error as HyperparameterError {
                    throw InputError(file: spec.sourcePath, error.description)
                }
            }
        }
        var written: [String] = []
        // One cache for the whole run: a base session trained for one learner serves the others.
        let stages = StageCache()
        var digests: [BackboneConfig?: String] = [:]  // by feature set (nil: the pixels), computed once
        for seed in seeds {
            let stream: TaskStream
            do {
                stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: seed)
            } catch let error as InputError {
                throw InputError(file: spec.sourcePath, error.file.isEmpty ? error.message : error.description)
            }
            for entry in learners {
                try RunInterruption.checkpoint()
                let path = resultsPath(learner: entry.name, seed: seed)
                // On a pretrained backbone: the cached features, seen through the identity backbone.
                var runEntry = entry, runDataset = dataset
                if let features = featureSets[entry.config.backbone] {
                    runDataset = features
                    runEntry.config.backbone = BackboneConfig(kind: "identity")
                }
                let featureSet: BackboneConfig? =
                    featureSets[entry.config.backbone] == nil ? nil : entry.config.backbone
                let digest = digests[featureSet] ?? runDataset.contentDigest.description
                digests[featureSet] = digest
                let pixelsDigest = digests[nil] ?? dataset.contentDigest.description
                digests[nil] = pixelsDigest
                // The protocol's backbone and the pixels' digest, also for runs on cached features.
                let configuration = RunConfiguration(
                    entry: entry, backbone: entry.config.backbone, stream: spec.stream, online: spec.online,
                    dataset: dataset, datasetDigest: pixelsDigest)
                var fromCheckpoint = false
                if resume {
                    let decision = try ResumeDecision.announce(
                        for: path, learner: entry.type, learnerConfig: runEntry.config.yaml,
                        configuration: configuration, run: "\(entry.name) · seed \(seed)", say: log)
                    if !decision.go { continue }
                    fromCheckpoint = decision.fromCheckpoint
                }
                log(
                    "\(entry.name) · seed \(seed) · \(stream.tasks.count) tasks (\(stream.kind.rawValue)) "
                        + "→ \(path)")
                log("  training (if it trains): \(entry.config.training.summary)")
                let started = RunEnvironment.monotonicSeconds()
                var runner = Runner(dataset: runDataset, stream: stream)
                runner.stageCache = stages
                runner.datasetDigest = digest
                runner.configuration = configuration
                let metrics =
                    try runner
                    .run(
                        runEntry, seed: seed, protocol: spec, outputPath: path, resume: fromCheckpoint, progress: log,
                        liveStatus: status)
                log(
                    String(
                        format:
                            "  done in %.2f s: final_accuracy %.4f, average_incremental_accuracy %.4f, forgetting %@",
                        RunEnvironment.monotonicSeconds() - started, metrics["final_accuracy"] ?? .nan,
                        metrics["average_incremental_accuracy"] ?? .nan, Self.formatted(metrics["forgetting"])))
                written.append(path)
            }
        }
        return written
    }

    private static func formatted(_ value: Double?) -> String {
        guard let value, !value.isNaN else { return "n/a (one task)" }
        return String(format: "%.4f", value)
    }
}
