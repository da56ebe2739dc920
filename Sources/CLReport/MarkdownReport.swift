/// A plot the Markdown report refers to, to be written next to the Markdown file.
public struct ReportFigure: Sendable, Equatable {
    /// File name relative to the Markdown file.
    public let fileName: String
    public let svg: String
}

/// `cl-bench report --format markdown`: the terminal report's content as Markdown, with the
/// plots as separate SVG files (Markdown cannot inline them portably).
public enum MarkdownReport {
    /// - Parameter figurePrefix: file name prefix for the plots ("report" gives
    ///   "report-split-mnist-accuracy.svg"); nil leaves the plots out, for output to stdout.
    public static func render(_ summaries: [ProtocolSummary], figurePrefix: String?) -> (
        markdown: String, figures: [ReportFigure]
    ) {
        var figures: [ReportFigure] = []
        var text = "# cl-bench report\n\n"
        text += "Numbers are \(ReportTables.statisticsNote). Accuracies are fractions in [0, 1].\n"
        for summary in summaries {
            text += "\n## \(summary.protocolName)\n\n"
            text += "\(summary.streamKind), \(summary.taskCount) task(s).\n\n"
            if summary.learners.isEmpty {
                text += "No complete run: nothing to average.\n"
            } else {
                text += ReportTables.metricTable(summary, keys: ReportTables.headlineMetrics(for: summary))
                    .markdownText()
                let notes = ReportTables.unavailableNotes(summary, keys: ReportTables.headlineMetrics(for: summary))
                if !notes.isEmpty { text += "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n" }
                if let prefix = figurePrefix {
                    let slug = fileSlug(summary.protocolName)
                    let curve = ReportFigure(
                        fileName: "\(prefix)-\(slug)-accuracy.svg", svg: ReportPlots.accuracyCurve(summary))
                    figures.append(curve)
                    text += "\n![accuracy after each task](\(curve.fileName))\n"
                    if let bars = ReportPlots.forgettingBars(summary) {
                        let figure = ReportFigure(fileName: "\(prefix)-\(slug)-forgetting.svg", svg: bars)
                        figures.append(figure)
                        text += "\n![forgetting per task](\(figure.fileName))\n"
                    }
                }
                for learner in summary.learners {
                    text += "\n### \(learner.learner): accuracy matrix (mean over \(learner.runs.count) seed(s))\n\n"
                    text += "Row: evaluated after; column: test set of task.\n\n"
                    text += ReportTables.accuracyMatrixTable(learner).markdownText()
                    if let aware = ReportTables.taskAwareMatrixTable(learner) {
                        text +=
                            "\nTask-aware accuracy matrix A (task id given at test time):\n\n" + aware.markdownText()
                    }
                    if let sessions = ReportTables.fscilTable(learner) {
                        text +=
                            "\nFew-shot sessions (performance drop "
                            + "\(learner.metric("performance_drop")?.formatted ?? "n/a")):\n\n"
                            + sessions.markdownText()
                    }
                }
            }
            if !summary.incompleteRuns.isEmpty {
                text += "\n### Running or failed (not averaged in)\n\n"
                text += ReportTables.incompleteRunTable(summary).markdownText()
            }
        }
        return (text, figures)
    }

    /// A protocol name made safe for a file name.
    static func fileSlug(_ name: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        let slug = String(name.map { allowed.contains($0) ? $0 : "-" })
        return slug.isEmpty ? "protocol" : slug
    }
}
