import CLResults

/// `cl-bench report --format html`: one self-contained page (inline CSS and SVG, no script,
/// nothing fetched from the network) that stays readable offline and in a mail attachment.
public enum HTMLReport {
    /// - Parameter generatedAt: printed in the header; passed in so output is reproducible.
    public static func render(_ summaries: [ProtocolSummary], generatedAt: String) -> String {
        var body = "<header><h1>cl-bench report</h1>\n"
        body +=
            "<p class=\"sub\">Generated \(escape(generatedAt)). Every number is "
            + "\(escape(ReportTables.statisticsNote)); "
        body += "accuracies are fractions in [0, 1]. Hover a metric name for its definition.</p>\n"
        if summaries.count > 1 {
            body +=
                "<nav>"
                + summaries.map { "<a href=\"#\(anchor($0.protocolName))\">\(escape($0.protocolName))</a>" }
                .joined(separator: " · ") + "</nav>\n"
        }
        body += "</header>\n"
        if summaries.isEmpty { body += "<p>No results found.</p>\n" }
        for summary in summaries { body += section(summary) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>cl-bench report: \(escape(summaries.map(\.protocolName).joined(separator: ", ")))</title>
            <style>\(style)\(ReportPrototypes.style)</style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static let style = """

        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1d1d1d; \
        margin: 24px 32px; max-width: 1400px; }
        h1 { margin: 0 0 4px 0; font-size: 26px; }
        h2 { margin-top: 36px; padding-top: 12px; border-top: 3px solid #0072B2; font-size: 22px; }
        h3 { margin: 26px 0 8px 0; font-size: 17px; }
        .sub { color: #555; margin: 4px 0 12px 0; }
        table { border-collapse: collapse; margin: 6px 0 10px 0; font-size: 14px; \
        display: block; max-width: 100%; overflow-x: auto; }
        th, td { padding: 5px 10px; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
        th { background: #f3f5f8; }
        th:first-child, td:first-child, td.text, th.text { text-align: left; }
        td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.best { font-weight: bold; }
        td.na { color: #8a5a00; }
        .reason { display: block; font-size: 11px; color: #8a5a00; white-space: normal; max-width: 200px; }
        abbr { text-decoration: underline dotted #888; cursor: help; }
        .direction { color: #666; font-weight: normal; }
        .figures { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
        .figures svg { border: 1px solid #e2e2e2; border-radius: 4px; }
        .warning { background: #fff4e0; border-left: 4px solid #D55E00; padding: 8px 12px; }
        .failed { color: #b00020; }
        details { margin: 8px 0; }
        summary { cursor: pointer; color: #0b5394; }
        dl { font-size: 13px; } dt { font-weight: bold; margin-top: 6px; } dd { margin-left: 18px; }
        pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; }
        nav a { color: #0b5394; }

        """

    static func escape(_ text: String) -> String { SVGCanvas.escape(text) }

    static func anchor(_ name: String) -> String { "protocol-" + MarkdownReport.fileSlug(name) }

    static func section(_ summary: ProtocolSummary) -> String {
        let seeds = Set(summary.learners.flatMap(\.seeds)).sorted().map(String.init).joined(separator: ", ")
        var html = "<section id=\"\(anchor(summary.protocolName))\">\n<h2>\(escape(summary.protocolName))</h2>\n"
        html += "<p class=\"sub\">\(escape(summary.streamKind)) · \(summary.taskCount) task(s) · "
        html += "\(summary.learners.count) learner(s) with complete runs · seeds [\(seeds)]</p>\n"
        if !summary.incompleteRuns.isEmpty {
            html += "<p class=\"warning\">\(summary.incompleteRuns.count) run(s) running or failed: listed below, "
            html += "not averaged in.</p>\n"
        }
        if summary.learners.isEmpty {
            html += "<p>No complete run: nothing to average.</p>\n"
        } else {
            html += "<h3>Metrics</h3>\n" + metricTable(summary)
            html += definitions(summary)
            html += "<h3>Accuracy after each task and forgetting per task</h3>\n<div class=\"figures\">\n"
            html += ReportPlots.accuracyCurve(summary) + "\n"
            if let bars = ReportPlots.forgettingBars(summary) {
                html += bars + "\n"
            } else {
                html += "<p>Forgetting per task: n/a, undefined with a single task (T = 1).</p>\n"
            }
            html += "</div>\n<h3>Accuracy matrices</h3>\n"
            html += "<p class=\"sub\">R[i][j]: accuracy on the test set of task j after training on task i "
            html +=
                "(row “before”: before any training); mean over seeds, "
                + "± std on hover.</p>\n<div class=\"figures\">\n"
            for learner in summary.learners {
                html +=
                    ReportPlots.accuracyHeatmap(
                        learner, protocolName: summary.protocolName, streamKind: summary.streamKind) + "\n"
            }
            html += "</div>\n"
            let taskAware = summary.learners.compactMap(ReportPlots.taskAwareHeatmap)
            if !taskAware.isEmpty {
                html += "<h3>Task-aware accuracy matrices</h3>\n"
                html += "<p class=\"sub\">A[i][j]: as R, with the task id given at test time (Task-IL).</p>\n"
                html += "<div class=\"figures\">\n" + taskAware.joined(separator: "\n") + "\n</div>\n"
            }
            html += uncertaintySection(summary)
            html += ReportPrototypes.section(summary)
            html += fewShotSessions(summary)
        }
        if !summary.incompleteRuns.isEmpty {
            html +=
                "<h3>Running or failed (not averaged in)</h3>\n"
                + table(
                    ReportTables.incompleteRunTable(summary),
                    textColumns: [0, 2, 4, 5], rowClass: "failed")
        }
        html +=
            "<h3>Runs</h3>\n" + table(ReportTables.runMetadataTable(summary), textColumns: [0, 2, 3, 4, 5, 6, 10, 11])
        html += learnerConfigurations(summary)
        for (index, text) in summary.protocolTexts.enumerated() {
            let label = summary.protocolTexts.count > 1 ? "Protocol file (version \(index + 1))" : "Protocol file"
            html += "<details><summary>\(label)</summary><pre>\(escape(text))</pre></details>\n"
        }
        return html + "</section>\n"
    }

    /// Learners that give a predictive distribution: entropy on seen vs unseen classes per
    /// task, the AUROC of entropy for unseen classes, and the reliability diagram.
    static func uncertaintySection(_ summary: ProtocolSummary) -> String {
        guard let entropy = ReportPlots.entropyCurves(summary) else { return "" }
        var html =
            "<h3>Uncertainty</h3>\n<p class=\"sub\">For learners whose prediction is a distribution: after task i, "
        html += "“seen” are the test samples of tasks 0…i, “unseen” those of later tasks. Entropy in nats; "
        html +=
            "AUROC is the chance that an unseen sample has higher entropy than a seen one; ECE uses 15 confidence bins "
        html +=
            "(metrics ece and unseen_entropy_auroc in the table above).</p>\n<div class=\"figures\">\n" + entropy + "\n"
        if let auroc = ReportPlots.unseenAUROCCurve(summary) { html += auroc + "\n" }
        if let reliability = ReportPlots.reliabilityDiagram(summary) { html += reliability + "\n" }
        return html + "</div>\n"
    }

    /// Learners as columns, every catalogue metric as a row, the best mean of each row in bold.
    static func metricTable(_ summary: ProtocolSummary) -> String {
        var html = "<table class=\"metrics\">\n<thead><tr><th>metric</th>"
        for learner in summary.learners {
            html += "<th>\(escape(learner.learner))<br><span class=\"direction\">n = \(learner.runs.count)</span></th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for definition in MetricCatalog.all where applies(definition.key, to: summary) {
            let summaries = summary.learners.compactMap { $0.metric(definition.key) }
            let best = clearWinner(definition, summary)
            let arrow = definition.higherIsBetter ? "↑" : "↓"
            let hover =
                "\(definition.definition) Matches: \(definition.matches). "
                + (definition.higherIsBetter ? "Higher is better." : "Lower is better.")
            html +=
                "<tr><th><abbr title=\"\(escape(hover))\"><a "
                + "href=\"#\(anchor(summary.protocolName))-\(definition.key)\">"
            html += "\(escape(definition.key))</a></abbr> <span class=\"direction\">\(arrow)</span></th>"
            for (learner, metric) in zip(summary.learners, summaries) {
                if let reason = metric.unavailableReason {
                    html +=
                        "<td class=\"num na\" title=\"\(escape(reason))\">n/a<span "
                        + "class=\"reason\">\(escape(reason))</span></td>"
                } else if definition.key == "fwt" && summary.streamKind != "task-incremental"
                    && summary.streamKind != "permuted"
                {
                    // METRICS.md: without a task id, a class-incremental learner cannot score on
                    // classes it has never seen, so forward transfer is ~0 by construction.
                    let note = "≈ 0 by construction in \(summary.streamKind) streams"
                    html += "<td class=\"num\" title=\"\(escape(note))\">\(escape(metric.formatted))"
                    html += "<span class=\"reason\">\(escape(note))</span></td>"
                } else {
                    let isBest = metric.statistics.mean == best && !isReferenceBound(learner)
                    html +=
                        "<td class=\"num\(isBest ? " best" : "")\" title=\"n = \(metric.statistics.count) seed(s)\">"
                    html += "\(escape(metric.formatted))</td>"
                }
            }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table>\n"
        html += "<p class=\"sub\">Bold: the best continual learner of a row, when it beats the next by more than "
        html += "either's seed std (so never with one seed); joint (an upper bound, not a continual learner) is "
        html += "never bold.</p>\n"
        for note in ReportTables.deterministicNotes(summary) { html += "<p class=\"sub\">\(escape(note))</p>\n" }
        return html
    }

    static func isReferenceBound(_ learner: LearnerSummary) -> Bool {
        learner.runs.contains { referenceBounds.contains($0.learnerType.isEmpty ? $0.learner : $0.learnerType) }
    }

    /// Whether a metric can have a value on this protocol's stream: the task-aware keys need task
    /// ids at test time, the online keys an online stream, `performance_drop` a few-shot
    /// stream. Rows that cannot are left out.
    static func applies(_ key: String, to summary: ProtocolSummary) -> Bool {
        if Metrics.taskAwareKeys.contains(key) { return summary.allRuns.contains { $0.taskAwareAccuracy != nil } }
        if Metrics.onlineKeys.contains(key) { return summary.allRuns.contains { $0.anytime != nil } }
        if key == "performance_drop" { return summary.allRuns.contains { $0.fscilAccuracy != nil } }
        return true
    }

    /// Learner types that are reference bounds, not continual learners: never bolded.
    static let referenceBounds: Set<String> = ["joint"]

    /// The mean to bold in a metric's row: the best continual learner's, and only when it is
    /// better than the next one by more than either's seed std (a difference inside the noise
    /// is no win; with one seed the noise is unknown, so nothing is bold); nil otherwise.
    static func clearWinner(_ definition: MetricDefinition, _ summary: ProtocolSummary) -> Double? {
        let candidates = summary.learners.filter { !isReferenceBound($0) }.compactMap {
            $0.metric(definition.key)?.statistics
        }.filter { $0.isAvailable && $0.mean.isFinite }
        let ranked = candidates.sorted { definition.higherIsBetter ? $0.mean > $1.mean : $0.mean < $1.mean }
        guard ranked.count >= 2 else { return nil }
        let (first, second) = (ranked[0], ranked[1])
        guard first.standardDeviation.isFinite, second.standardDeviation.isFinite else { return nil }
        let spread = max(first.standardDeviation, second.standardDeviation)
        return abs(first.mean - second.mean) > spread ? first.mean : nil
    }

    /// The definitions again as a list, one click away for readers on touch screens.
    static func definitions(_ summary: ProtocolSummary) -> String {
        var html = "<details><summary>Metric definitions</summary>\n<dl>\n"
        for definition in MetricCatalog.all {
            html += "<dt id=\"\(anchor(summary.protocolName))-\(definition.key)\">\(escape(definition.key)) "
            html +=
                "<span class=\"direction\">(\(definition.higherIsBetter ? "higher" : "lower") is better)</span></dt>"
            html += "<dd>\(escape(definition.definition)) <em>Matches: \(escape(definition.matches)).</em></dd>\n"
        }
        return html + "</dl>\n</details>\n"
    }

    /// Each learner's hyperparameters as recorded, so two entries of one learner type can be told apart.
    static func learnerConfigurations(_ summary: ProtocolSummary) -> String {
        var entries: [(learner: String, config: String)] = []
        for run in summary.allRuns
        where !entries.contains(where: { $0.learner == run.learner && $0.config == run.learnerConfig }) {
            entries.append((run.learner, run.learnerConfig))
        }
        guard entries.contains(where: { !$0.config.isEmpty }) else { return "" }
        var html = "<details><summary>Learner configurations</summary>\n"
        for entry in entries {
            html += "<p><strong>\(escape(entry.learner))</strong></p>"
            html += "<pre>\(escape(entry.config.isEmpty ? "(defaults)" : entry.config))</pre>\n"
        }
        return html + "</details>\n"
    }

    /// Few-shot session tables (all / base / novel / harmonic mean) and the performance drop.
    static func fewShotSessions(_ summary: ProtocolSummary) -> String {
        let learners = summary.learners.filter { $0.fscilAccuracy != nil }
        guard !learners.isEmpty else { return "" }
        var html = "<h3>Few-shot sessions</h3>\n<div class=\"figures\">\n"
        for learner in learners {
            guard let sessions = ReportTables.fscilTable(learner) else { continue }
            let drop = learner.metric("performance_drop")
            html += "<div><strong>\(escape(learner.learner))</strong> (n = \(learner.runs.count)) · performance drop "
            html += "\(escape(drop?.formatted ?? "n/a"))\n" + table(sessions, textColumns: [0]) + "</div>\n"
        }
        return html + "</div>\n"
    }

    /// A `TextTable` as HTML; columns not in `textColumns` are numeric (right-aligned, tabular).
    static func table(_ table: TextTable, textColumns: Set<Int>, rowClass: String? = nil) -> String {
        var html = "<table>\n<thead><tr>"
        for (column, title) in table.header.enumerated() {
            html += "<th class=\"\(textColumns.contains(column) ? "text" : "num")\">\(escape(title))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += rowClass.map { "<tr class=\"\($0)\">" } ?? "<tr>"
            for (column, cell) in row.enumerated() {
                let kind = textColumns.contains(column) ? "text" : "num"
                html += "<td class=\"\(kind)\">\(escape(cell))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
