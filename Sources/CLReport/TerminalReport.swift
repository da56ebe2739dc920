/// The default `cl-bench report` output: plain text for a terminal, per protocol the
/// headline metrics of each learner, its accuracy matrix and the runs that did not finish.
public enum TerminalReport {
    public static func render(_ summaries: [ProtocolSummary]) -> String {
        summaries.map(section).joined(separator: "\n")
    }

    static func heading(_ summary: ProtocolSummary) -> String {
        let complete = summary.learners.reduce(0) { $0 + $1.runs.count }
        return "\(summary.protocolName) — \(summary.streamKind), \(summary.taskCount) task(s); "
            + "\(complete) complete run(s), \(summary.incompleteRuns.count) running or failed"
    }

    static func section(_ summary: ProtocolSummary) -> String {
        var text = "== \(heading(summary)) ==\n" + ReportTables.provenanceLine(summary) + "\n"
        if summary.learners.isEmpty {
            text += "no complete run: nothing to average\n"
        } else {
            text += "\(ReportTables.statisticsNote)\n\n"
            text += ReportTables.metricTable(summary, keys: ReportTables.headlineMetrics(for: summary)).terminalText()
            for note in ReportTables.unavailableNotes(summary, keys: ReportTables.headlineMetrics(for: summary)) {
                text += note + "\n"
            }
            for learner in summary.learners {
                text +=
                    "\nAccuracy matrix of \(learner.learner), mean over \(learner.runs.count) seed(s) "
                    + "(row: evaluated after; column: test set of task)\n"
                text += ReportTables.accuracyMatrixTable(learner).terminalText()
                if let aware = ReportTables.taskAwareMatrixTable(learner) {
                    text += "\nTask-aware accuracy matrix of \(learner.learner) (task id given at test time)\n"
                    text += aware.terminalText()
                }
                if let sessions = ReportTables.fscilTable(learner) {
                    text +=
                        "\nFew-shot sessions of \(learner.learner) (performance drop "
                        + "\(learner.metric("performance_drop")?.formatted ?? "n/a"))\n" + sessions.terminalText()
                }
            }
        }
        if !summary.incompleteRuns.isEmpty {
            text += "\nRunning or failed (not averaged in):\n"
            text += ReportTables.incompleteRunTable(summary).terminalText()
        }
        return text
    }
}
