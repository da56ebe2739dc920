import CLConfig
import CLData
import CLLearners
import CLResults

extension RunConfiguration {
    /// The configuration of a protocol entry: `backbone` as the protocol gives it (a run on
    /// cached pretrained features records the pretrained backbone, not the identity it runs
    /// on), the dataset by name, source and content digest, the stream by its configuration.
    /// An online stream adds the line `stream.online` (its `online:` block) after `stream`.
    public init(
        entry: LearnerEntry, backbone: BackboneConfig, stream: StreamConfig, online: OnlineStreamConfig? = nil,
        dataset: Dataset, datasetDigest: String
    ) {
        self.init(
            lines: [
                ("harness_version", RunEnvironment.harnessVersion),
                ("dataset", "\(dataset.name) (\(dataset.source))"),
                ("dataset.content_digest", datasetDigest),
                ("stream", String(describing: stream)),
            ] + (online.map { [("stream.online", $0.description)] } ?? []) + [
                ("backbone", String(describing: backbone)),
                ("training", entry.config.training.summary),
                ("learner", entry.learnerType),
                ("learner.config", entry.config.yaml),
            ])
    }

    /// SHA-256 of `text`: the root attribute `configuration_digest`.
    public var digest: String { SHA256.hexDigest(Array(text.utf8)) }
}
