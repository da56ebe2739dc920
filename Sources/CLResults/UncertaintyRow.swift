/// One evaluation row of the uncertainty datasets (NaN where undefined).
public struct UncertaintyRow: Sendable, Equatable {
    public var entropySeen: Double, entropyUnseen: Double, aurocUnseen: Double, ece: Double
    public var mutualInformationSeen: Double?, mutualInformationUnseen: Double?
    /// Per calibration bin: [samples, mean confidence, accuracy] on seen samples.
    public var reliability: [[Double]]

    public init(
        entropySeen: Double, entropyUnseen: Double, aurocUnseen: Double, ece: Double,
        mutualInformationSeen: Double? = nil, mutualInformationUnseen: Double? = nil, reliability: [[Double]]
    ) {
        self.entropySeen = entropySeen; self.entropyUnseen = entropyUnseen; self.aurocUnseen = aurocUnseen
        self.ece = ece
        self.mutualInformationSeen = mutualInformationSeen; self.mutualInformationUnseen = mutualInformationUnseen
        self.reliability = reliability
    }

    /// The metric keys of METRICS.md from every row of a run: `ece` after the last task,
    /// `unseen_entropy_auroc` the mean AUROC over tasks 0...T-2 (NaN when T = 1).
    public static func metrics(_ rows: [UncertaintyRow]) -> [String: Double] {
        guard let last = rows.last else { return [:] }
        let aurocs = rows.dropLast().map(\.aurocUnseen)
        return ["ece": last.ece, "unseen_entropy_auroc": UncertaintyMetrics.mean(Array(aurocs))]
    }
}
