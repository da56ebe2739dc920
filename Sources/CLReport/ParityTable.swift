import CLResults

/// What `cl-bench check --parity` prints: per metric, the authors' side, cl-bench as recorded
/// and (with results given) as measured now, the rule's tolerance and verdicts.
public enum ParityTable {
    public static func render(_ result: ParityCheckResult, recordFile: String) -> String {
        let record = result.record
        let checksFresh = result.findings.contains { $0.fresh != nil }
        var header = ["metric", "authors", "cl-bench (record)", "tolerance", "verdict"]
        if checksFresh { header += ["cl-bench (now)", "tolerance", "verdict", ""] }
        var table = TextTable(header: header, alignments: header.indices.map { $0 == 0 ? .left : .right })
        for finding in result.findings {
            var row = [
                finding.metric, summary(finding.authors), summary(finding.recorded),
                RegressionCheck.format(finding.recordedTolerance), finding.recordedVerdict.rawValue,
            ]
            if let fresh = finding.fresh, let verdict = finding.freshVerdict, let tolerance = finding.freshTolerance {
                row += [
                    summary(fresh), RegressionCheck.format(tolerance), verdict.rawValue,
                    finding.holds ? "ok" : "CHANGED",
                ]
            }
            table.rows.append(row)
        }
        let minimum = "\(record.rule.minimumTolerance)"
        let factor = "\(record.rule.standardDeviationFactor)"
        var text =
            "Parity of \(record.protocolName)/\(record.label) (preset \(record.preset)): "
            + "\(record.authors.repository) \(record.authors.commit) against cl-bench, from \(recordFile)\n"
        text +=
            "values: mean ± sample std over seeds (n); agree when |difference of means| ≤ max(\(minimum), "
            + "\(factor) × larger std)\n\n"
        text += table.terminalText()
        for run in result.incompleteRuns {
            text += "not compared (\(run.status)): \(run.learner) seed \(run.seed), \(run.path)\n"
        }
        if checksFresh {
            let seeds = result.freshSeeds.map(String.init).joined(separator: ", ")
            let changed = result.findings.filter { !$0.holds }.count
            text +=
                changed == 0
                ? "\nPASS: the fresh runs (seeds \(seeds)) give the record's verdict on all \(result.findings.count) "
                    + "metric(s)\n"
                : "\nFAIL: on \(changed) of \(result.findings.count) metric(s) the fresh runs (seeds \(seeds)) "
                    + "change the record's verdict\n"
        }
        return text
    }

    /// "0.9512 ± 0.0031 (3)"; "n/a" without a finite value.
    static func summary(_ statistics: SeedStatistics) -> String {
        guard statistics.isAvailable else { return "n/a" }
        let spread =
            statistics.standardDeviation.isFinite ? " ± " + RegressionCheck.format(statistics.standardDeviation) : ""
        return RegressionCheck.format(statistics.mean) + spread + " (\(statistics.count))"
    }
}
