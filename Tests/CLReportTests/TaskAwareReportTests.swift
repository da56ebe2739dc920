import CLResults
import Testing

@testable import CLReport

/// A task-incremental run: task-agnostic accuracy falls, task-aware accuracy stays high.
private func taskIncrementalRun(seed: Int) -> RunRecord {
    var run = SyntheticRecords.run(
        protocolName: "til", learner: "hypernet", seed: seed, tasks: 3, plasticity: 0.9, retention: 0.5)
    run.streamKind = "task-incremental"
    let aware: [[Double]] = [[.nan, .nan, .nan], [0.99, .nan, .nan], [0.98, 0.97, .nan], [0.96, 0.97, 0.99]]
    run.taskAwareAccuracy = aware
    run.metrics.merge(Metrics.taskAware(aware)) { _, new in new }
    return run
}

/// Mammoth prints Class-IL and Task-IL side by side: so do the terminal and Markdown reports on
/// streams with task ids at test time, with the task-aware matrix; class-incremental ones do not.
@Test func taskIncrementalReportsShowTheTaskAwareHeadlineAndMatrix() throws {
    let summary = try #require(ProtocolSummary.group([taskIncrementalRun(seed: 0), taskIncrementalRun(seed: 1)]).first)
    #expect(ReportTables.headlineMetrics(for: summary) == ReportTables.headlineMetrics + Metrics.taskAwareKeys)
    let text = TerminalReport.render([summary])
    #expect(text.contains("final_task_aware_accuracy") && text.contains("task_aware_forgetting"))
    #expect(text.contains("0.9733"), "final task-aware accuracy (0.96 + 0.97 + 0.99) / 3 in the headline")
    #expect(text.contains("Task-aware accuracy matrix of hypernet") && text.contains("A[i][j]"))
    #expect(MarkdownReport.render([summary], figurePrefix: nil).markdown.contains("Task-aware accuracy matrix A"))

    let classIncremental = try #require(ProtocolSummary.group(SyntheticRecords.sample()).first)
    #expect(ReportTables.headlineMetrics(for: classIncremental) == ReportTables.headlineMetrics)
    #expect(!TerminalReport.render([classIncremental]).contains("Task-aware"))
    let reason = classIncremental.learners[0].metric("final_task_aware_accuracy")?.unavailableReason
    #expect(reason?.contains("task ids at test time") == true)
}

@Test func csvHasTheTaskAwareMatrixAndMetrics() {
    let csv = CSVExport.render([taskIncrementalRun(seed: 0)])
    #expect(csv.contains(",metric,final_task_aware_accuracy,,,"))
    #expect(csv.contains(",task_aware_accuracy,task_aware_accuracy,3,2,0.99"))
}
