import HDF5Kit

/// Whether two sides of a parity record agree on one metric under the record's rule.
public enum ParityVerdict: String, Sendable, Equatable {
    case agree
    case disagree
    /// A side has no finite value of the metric (no run, or NaN in every seed).
    case undefined
}

/// One metric of a parity check: the authors' side, the cl-bench side as recorded, and (when
/// fresh results were given) the cl-bench side as measured now.
public struct ParityFinding: Sendable, Equatable {
    public var metric: String
    public var authors: SeedStatistics
    public var recorded: SeedStatistics
    /// The verdict of the record itself (authors against the recorded cl-bench runs).
    public var recordedVerdict: ParityVerdict
    public var recordedTolerance: Double
    public var fresh: SeedStatistics?
    /// The verdict of the fresh runs against the authors' side.
    public var freshVerdict: ParityVerdict?
    public var freshTolerance: Double?

    /// True when the fresh runs give the record's verdict (or when there are none to check).
    public var holds: Bool { freshVerdict.map { $0 == recordedVerdict } ?? true }
}

/// Everything `cl-bench check --parity` prints and decides.
public struct ParityCheckResult: Sendable {
    public var record: ParityRecord
    public var findings: [ParityFinding]
    /// Seeds of the fresh cl-bench runs that were compared (empty when none were given).
    public var freshSeeds: [Int]
    /// Fresh runs of the record's learner that are not complete: never compared, listed.
    public var incompleteRuns: [RunRecord]

    /// 0 when every fresh verdict is the record's, 1 when one changed (an agreement lost, or a
    /// disagreement that now agrees and wants the record updated).
    public var exitCode: Int32 { findings.allSatisfy(\.holds) ? 0 : 1 }
}

public enum ParityCheck {
    /// Applies `record.rule` to the record's own runs and, when `fresh` holds results of the
    /// record's protocol and label, to those against the authors' side.
    ///
    /// - Throws: `InputError` when results were given but none is a complete run of the
    ///   record's learner: a check that compares nothing must not pass.
    public static func check(_ record: ParityRecord, fresh: [RunRecord]?, recordFile: String) throws
        -> ParityCheckResult
    {
        let ours = fresh?.filter { $0.protocolName == record.protocolName && $0.learner == record.label } ?? []
        let complete = ours.filter(\.isComplete)
        if let fresh, complete.isEmpty {
            let found = Set(fresh.map { "\($0.protocolName)/\($0.learner)" }).sorted().joined(separator: ", ")
            throw InputError(
                file: recordFile,
                "no complete results of \(record.protocolName)/\(record.label) among the paths given"
                    + (found.isEmpty ? "" : " (found: \(found))"))
        }
        let authors = record.authors.runs.map(\.metrics)
        let recorded = record.clBench.runs.map(\.metrics)
        let measured = complete.map { ParityRun($0).metrics }
        let findings = record.rule.metrics.map { metric -> ParityFinding in
            let a = authors.map { $0[metric] ?? .nan }
            let b = recorded.map { $0[metric] ?? .nan }
            let (recordedVerdict, recordedTolerance) = verdict(a, b, rule: record.rule)
            var finding = ParityFinding(
                metric: metric, authors: SeedStatistics(a), recorded: SeedStatistics(b),
                recordedVerdict: recordedVerdict, recordedTolerance: recordedTolerance)
            if fresh != nil {
                let c = measured.map { $0[metric] ?? .nan }
                let (freshVerdict, freshTolerance) = verdict(a, c, rule: record.rule)
                finding.fresh = SeedStatistics(c)
                finding.freshVerdict = freshVerdict
                finding.freshTolerance = freshTolerance
            }
            return finding
        }
        return ParityCheckResult(
            record: record, findings: findings, freshSeeds: complete.map(\.seed).sorted(),
            incompleteRuns: ours.filter { !$0.isComplete })
    }

    /// The rule on two lists of per-seed values: the verdict and the tolerance it used.
    public static func verdict(_ a: [Double], _ b: [Double], rule: ParityRule) -> (ParityVerdict, Double) {
        let tolerance = rule.tolerance(a, b)
        let meanA = SeedStatistics(a).mean, meanB = SeedStatistics(b).mean
        guard meanA.isFinite, meanB.isFinite else { return (.undefined, tolerance) }
        return (abs(meanA - meanB) <= tolerance ? .agree : .disagree, tolerance)
    }
}
