import CLResults

/// The table `cl-bench check` prints: learner, metric, expected, measured, allowed, verdict.
public enum RegressionTable {
    public static func render(_ result: RegressionCheckResult, baselineFile: String) -> String {
        var table = TextTable(
            header: ["learner", "metric", "expected", "measured (mean)", "seeds", "allowed", "verdict"],
            alignments: [.left, .left, .right, .right, .left, .right, .left])
        for finding in result.findings {
            let measured = finding.measured.mean.map { RegressionCheck.format($0) } ?? "n/a"
            let verdict = finding.verdict.rawValue + (finding.note.map { " (\($0))" } ?? "")
            table.rows.append([
                finding.learner, finding.metric, RegressionCheck.format(finding.bound.expected),
                measured, "[" + finding.measured.seeds.map(String.init).joined(separator: ", ") + "]",
                finding.allowedDescription, verdict,
            ])
        }
        var text = "Regression check of \(result.protocolName) against \(baselineFile)\n"
        text += "measured = mean over the complete seeds\n\n" + table.terminalText()
        for run in result.incompleteRuns {
            text +=
                "not compared (\(run.status)): \(run.learner) seed \(run.seed), \(run.path)"
                + (run.error.map { ": \($0)" } ?? "") + "\n"
        }
        if !result.learnersWithoutBaseline.isEmpty {
            text += "no baseline for: \(result.learnersWithoutBaseline.joined(separator: ", ")) (not checked)\n"
        }
        let regressed = result.findings.filter { $0.verdict != .pass }.count
        text +=
            result.passed
            ? "\nPASS: \(result.findings.count) check(s) within tolerance\n"
            : "\nFAIL: \(regressed) of \(result.findings.count) check(s) regressed or missing\n"
        return text
    }
}
