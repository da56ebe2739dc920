import CLResults
import Foundation

/// The plots of one protocol, as standalone SVG documents (Markdown links them as files, the
/// HTML page inlines them).
public enum ReportPlots {
    /// Pooled accuracy after each task, one line per learner with a ± std band.
    public static func accuracyCurve(_ summary: ProtocolSummary) -> String {
        let tasks = max(summary.taskCount, summary.learners.map(\.pooledAccuracy.count).max() ?? 0)
        let series = summary.learners.enumerated().map { index, learner in
            ChartSeries(
                name: learner.learner, detail: "n = \(learner.runs.count) seed(s)", color: Palette.color(index),
                marker: index, values: learner.pooledAccuracy)
        }
        return LineChart(
            title: "\(summary.protocolName): accuracy after each task",
            xLabel: "after task", yLabel: "pooled accuracy (seen classes)",
            categories: (0..<tasks).map(String.init), series: series
        ).svg()
    }

    /// Forgetting of each task j < T − 1 as grouped bars; nil with fewer than two tasks,
    /// where forgetting is undefined.
    public static func forgettingBars(_ summary: ProtocolSummary) -> String? {
        let tasks = summary.learners.map(\.forgettingPerTask.count).max() ?? 0
        guard tasks > 0 else { return nil }
        let series = summary.learners.enumerated().map { index, learner in
            ChartSeries(
                name: learner.learner, detail: "n = \(learner.runs.count) seed(s)", color: Palette.color(index),
                marker: index, values: learner.forgettingPerTask)
        }
        return BarChart(
            title: "\(summary.protocolName): forgetting per task",
            xLabel: "task j (max over rows after tasks j … T−2, minus the final row)",
            yLabel: "forgetting", categories: (0..<tasks).map(String.init), series: series, bounds: -1...1
        ).svg()
    }

    /// The accuracy matrix of one learner (mean over seeds), numbers in the cells. Where tasks
    /// bring new classes (every stream kind but `permuted`), a learner scores over the classes
    /// it has seen, so a task it has not learned is 0 by construction: those cells and the
    /// "before" row are left blank instead of drawn as dark zeros that dominate the picture.
    public static func accuracyHeatmap(_ learner: LearnerSummary, protocolName: String, streamKind: String) -> String {
        let blankUnlearned = streamKind != "permuted"
        return heatmap(
            learner.accuracyMatrix, title: "\(learner.learner) (mean of \(learner.runs.count) seeds)",
            blank: blankUnlearned ? { row, column in column >= row } : { _, _ in false },
            blankNote: "not learned yet: 0 by construction in \(streamKind) streams")
    }

    /// The task-aware matrix A of one learner (task id given at test time), when recorded.
    public static func taskAwareHeatmap(_ learner: LearnerSummary) -> String? {
        learner.taskAwareAccuracyMatrix.map {
            heatmap(
                $0, title: "\(learner.learner), task-aware (mean of \(learner.runs.count) seeds)",
                blank: { _, _ in false }, blankNote: "")
        }
    }

    private static func heatmap(
        _ matrix: [[SeedStatistics]], title: String, blank: (Int, Int) -> Bool, blankNote: String
    ) -> String {
        let columns = matrix.map(\.count).max() ?? 0
        let rows = matrix.indices.map { $0 == 0 ? "before" : "after \($0 - 1)" }
        let cells = matrix.enumerated().map { row, values in
            values.enumerated().map { column, value in blank(row, column) ? nil : value }
        }
        return Heatmap(
            title: title, rowLabels: rows, columnLabels: (0..<columns).map { "task \($0)" }, cells: cells,
            blankNote: blankNote
        ).svg()
    }

    /// Mean predictive entropy on seen and on unseen classes after each task, two lines per
    /// learner that gives a distribution (seen solid colour markers, unseen the next marker).
    public static func entropyCurves(_ summary: ProtocolSummary) -> String? {
        let learners = summary.learners.filter { $0.uncertainty != nil }
        guard !learners.isEmpty else { return nil }
        var series: [ChartSeries] = []
        for (index, learner) in learners.enumerated() {
            let u = learner.uncertainty!
            series.append(
                ChartSeries(
                    name: "\(learner.learner) seen", detail: "n = \(learner.runs.count) seed(s)",
                    color: Palette.color(index), marker: 2 * index, values: u.entropySeen))
            series.append(
                ChartSeries(
                    name: "\(learner.learner) unseen", detail: "classes of later tasks",
                    color: Palette.color(index), marker: 2 * index + 1, values: u.entropyUnseen))
        }
        let tasks = series.map(\.values.count).max() ?? 0
        return LineChart(
            title: "\(summary.protocolName): predictive entropy, seen vs unseen classes",
            xLabel: "after task", yLabel: "mean entropy (nats)",
            categories: (0..<tasks).map(String.init), series: series
        ).svg()
    }

    /// AUROC of entropy for telling unseen-class samples from seen ones, after each task
    /// but the last (0.5 = no better than chance).
    public static func unseenAUROCCurve(_ summary: ProtocolSummary) -> String? {
        let learners = summary.learners.filter { $0.uncertainty != nil }
        guard !learners.isEmpty else { return nil }
        let series = learners.enumerated().map { index, learner in
            ChartSeries(
                name: learner.learner, detail: "n = \(learner.runs.count) seed(s)", color: Palette.color(index),
                marker: index, values: Array(learner.uncertainty!.aurocUnseen.dropLast()))
        }
        let tasks = series.map(\.values.count).max() ?? 0
        guard tasks > 0 else { return nil }
        return LineChart(
            title: "\(summary.protocolName): AUROC of entropy, unseen vs seen",
            xLabel: "after task", yLabel: "AUROC (0.5 = chance)",
            categories: (0..<tasks).map(String.init), series: series
        ).svg()
    }

    /// Reliability diagram after the last task: accuracy against confidence per bin
    /// (b/15, (b+1)/15], with the diagonal of perfect calibration.
    public static func reliabilityDiagram(_ summary: ProtocolSummary) -> String? {
        let learners = summary.learners.filter { !($0.uncertainty?.reliability.isEmpty ?? true) }
        guard !learners.isEmpty else { return nil }
        let bins = UncertaintyMetrics.calibrationBins
        var series = [
            ChartSeries(
                name: "perfect calibration", detail: "accuracy = confidence", color: "#888888", marker: 0,
                values: (0..<bins).map { SeedStatistics([(Double($0) + 0.5) / Double(bins)]) })
        ]
        for (index, learner) in learners.enumerated() {
            let rows = learner.uncertainty!.reliability
            series.append(
                ChartSeries(
                    name: learner.learner, detail: "accuracy of the seen samples in the bin",
                    color: Palette.color(index), marker: index + 1,
                    values: (0..<bins).map { $0 < rows.count && rows[$0].count == 3 ? rows[$0][2] : SeedStatistics([]) }
                ))
        }
        return LineChart(
            title: "\(summary.protocolName): reliability after the last task",
            xLabel: "confidence bin (upper edge)", yLabel: "accuracy",
            categories: (0..<bins).map { String(format: "%.2f", Double($0 + 1) / Double(bins)) }, series: series
        ).svg()
    }
}
