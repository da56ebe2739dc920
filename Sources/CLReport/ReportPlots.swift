/// The plots of one protocol, as standalone SVG documents (Markdown links them as files, the
/// HTML page inlines them).
public enum ReportPlots {
    /// Pooled accuracy after each task, one line per learner with a ± std band.
    public static func accuracyCurve(_ summary: ProtocolSummary) -> String {
        let tasks = max(summary.taskCount, summary.learners.map(\.pooledAccuracy.count).max() ?? 0)
        let series = summary.learners.enumerated().map { index, learner in
            ChartSeries(name: learner.learner, detail: "n = \(learner.runs.count) seed(s)", color: Palette.color(index),
                        marker: index, values: learner.pooledAccuracy)
        }
        return LineChart(title: "\(summary.protocolName): accuracy after each task",
                         xLabel: "after task", yLabel: "pooled accuracy (seen classes)",
                         categories: (0..<tasks).map(String.init), series: series).svg()
    }

    /// Forgetting of each task j < T − 1 as grouped bars; nil with fewer than two tasks,
    /// where forgetting is undefined.
    public static func forgettingBars(_ summary: ProtocolSummary) -> String? {
        let tasks = summary.learners.map(\.forgettingPerTask.count).max() ?? 0
        guard tasks > 0 else { return nil }
        let series = summary.learners.enumerated().map { index, learner in
            ChartSeries(name: learner.learner, detail: "n = \(learner.runs.count) seed(s)", color: Palette.color(index),
                        marker: index, values: learner.forgettingPerTask)
        }
        return BarChart(title: "\(summary.protocolName): forgetting per task",
                        xLabel: "task j (max over rows after tasks j … T−2, minus the final row)",
                        yLabel: "forgetting", categories: (0..<tasks).map(String.init), series: series).svg()
    }

    /// The accuracy matrix of one learner (mean over seeds), numbers in the cells.
    public static func accuracyHeatmap(_ learner: LearnerSummary, protocolName: String) -> String {
        let columns = learner.accuracyMatrix.map(\.count).max() ?? 0
        let rows = learner.accuracyMatrix.indices.map { $0 == 0 ? "before" : "after \($0 - 1)" }
        return Heatmap(title: "\(learner.learner) (mean of \(learner.runs.count) seeds)",
                       rowLabels: rows, columnLabels: (0..<columns).map { "task \($0)" },
                       cells: learner.accuracyMatrix).svg()
    }
}
