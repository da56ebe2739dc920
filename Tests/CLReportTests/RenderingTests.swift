import CLResults
import Foundation
import Testing
@testable import CLReport
#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses `text` as XML and returns the parser error, or nil when it is well-formed.
func xmlError(_ text: String) -> String? {
    let parser = XMLParser(data: Data(text.utf8))
    return parser.parse() ? nil : (parser.parserError.map { "\($0)" } ?? "unknown XML error")
}

/// Every `<svg …>…</svg>` element inside `html`.
func inlineSVGs(_ html: String) -> [String] {
    var result: [String] = []
    var rest = html[...]
    while let start = rest.range(of: "<svg "),
        let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
    {
        result.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return result
}

@Suite("Terminal, Markdown and HTML reports")
struct RenderingTests {
    let summaries = ProtocolSummary.group(SyntheticRecords.sample())

    @Test("the terminal report has the headline metrics, matrices, n/a reasons and incomplete runs")
    func terminal() {
        let text = TerminalReport.render(summaries)
        #expect(text.contains("mean ± sample std (n − 1)"))
        for key in ReportTables.headlineMetrics { #expect(text.contains(key)) }
        #expect(text.contains("Accuracy matrix of nmc, mean over 3 seed(s)"))
        #expect(text.contains("after task 4"))
        #expect(text.contains("before"))
        #expect(text.contains("n/a for nmc: forgetting, bwt: undefined with a single task (T = 1)"))
        #expect(text.contains("Running or failed (not averaged in)"))
        #expect(text.contains("training loss became NaN at task 2, epoch 3"))
        #expect(text.contains("2 / 5"))
        #expect(text.contains("Few-shot sessions of teen (performance drop 0."))
        #expect(text.contains("commit 0123456789ab; host ci-runner; BLAS Haswell × 2; harness 0.1.0"))
        // The convolution path appears once runs record it.
        var records = SyntheticRecords.sample()
        for index in records.indices { records[index].convolutionKernels = index == 0 ? "avx2" : "avx512" }
        let line = ReportTables.provenanceLine(ProtocolSummary.group(records)[0])
        #expect(line.contains("BLAS Haswell × 2; conv "), "\(line)")
        #expect(line.contains("avx512") || line.contains("avx2"), "\(line)")
        // nmc rows: on split-mnist four "mean ± std" cells; on joint-mnist two, and two n/a.
        let nmcRows = text.split(separator: "\n").filter { $0.hasPrefix("nmc ") && $0.contains("±") }
        #expect(nmcRows.map { $0.components(separatedBy: "±").count - 1 }.sorted() == [2, 4])
        #expect(nmcRows.contains { $0.components(separatedBy: "n/a").count - 1 == 2 })
    }

    @Test("Markdown has pipe tables and links one SVG file per plot")
    func markdown() throws {
        let (markdown, figures) = MarkdownReport.render(summaries, figurePrefix: "report")
        #expect(markdown.contains("| learner | n | final_accuracy | average_incremental_accuracy | forgetting | bwt |"))
        #expect(markdown.contains("| --- | ---: | ---: | ---: | ---: | ---: |"))
        #expect(markdown.contains("## split-mnist"))
        #expect(markdown.contains("### nmc: accuracy matrix (mean over 3 seed(s))"))
        #expect(markdown.contains("| before |"))
        #expect(figures.map(\.fileName).contains("report-split-mnist-accuracy.svg"))
        #expect(figures.map(\.fileName).contains("report-split-mnist-forgetting.svg"))
        #expect(!figures.map(\.fileName).contains("report-joint-mnist-forgetting.svg"))
        for figure in figures {
            #expect(markdown.contains("](\(figure.fileName))"))
            #expect(xmlError(figure.svg) == nil, "\(figure.fileName)")
        }
        let (plain, none) = MarkdownReport.render(summaries, figurePrefix: nil)
        #expect(none.isEmpty)
        #expect(!plain.contains(".svg"))
    }

    @Test("every SVG plot is well-formed XML, including hostile learner names")
    func svgWellFormed() throws {
        var records = SyntheticRecords.sample()
        records.append(SyntheticRecords.run(learner: "a<b & \"c\"", seed: 0, tasks: 5, plasticity: 0.9, retention: 0.8))
        for summary in ProtocolSummary.group(records) {
            #expect(xmlError(ReportPlots.accuracyCurve(summary)) == nil)
            if let bars = ReportPlots.forgettingBars(summary) { #expect(xmlError(bars) == nil) }
            for learner in summary.learners {
                let heatmap = ReportPlots.accuracyHeatmap(
                    learner, protocolName: summary.protocolName, streamKind: summary.streamKind)
                #expect(xmlError(heatmap) == nil, "\(learner.learner)")
            }
        }
    }

    @Test("the heatmap writes the value into each cell")
    func heatmapNumbers() throws {
        let split = try #require(summaries.first { $0.protocolName == "split-mnist" })
        let nmc = try #require(split.learners.first { $0.learner == "nmc" })
        let svg = ReportPlots.accuracyHeatmap(nmc, protocolName: "split-mnist", streamKind: "task-incremental")
        let value = NumberFormat.value(nmc.accuracyMatrix[5][0].mean, decimals: 2)
        #expect(svg.contains(">\(value)</text>"))
        #expect(svg.components(separatedBy: "<rect").count - 1 >= 30 + 1)
    }

    @Test("the HTML page is self-contained and explains every metric")
    func html() throws {
        let html = HTMLReport.render(summaries, generatedAt: "2026-11-25 12:00")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("href=\"http"))
        #expect(!html.contains("@import"))
        // Every metric's definition on hover, except the task-aware and online ones: no sample stream gives task
        // ids or is online, and rows that cannot apply are left out.
        let inapplicable = Set(Metrics.taskAwareKeys + Metrics.onlineKeys)
        for definition in MetricCatalog.all where !inapplicable.contains(definition.key) {
            #expect(html.contains("title=\"\(HTMLReport.escape(definition.definition))"), "\(definition.key)")
        }
        for definition in MetricCatalog.all {
            #expect(html.contains("id=\"protocol-split-mnist-\(definition.key)\""))
        }
        #expect(html.contains("undefined with a single task (T = 1)"))
        #expect(html.contains("Running or failed (not averaged in)"))
        #expect(html.contains("Few-shot sessions"))
        #expect(html.contains("harmonic mean"))
        #expect(html.contains("Haswell × 2"))
        #expect(html.contains("512 MiB"))
        #expect(html.contains("0123456789ab"))
        #expect(html.contains("stream: { kind: class-incremental"))
        #expect(html.contains("Learner configurations"))
        #expect(html.contains("≈ 0 by construction in class-incremental streams"))
        let svgs = inlineSVGs(html)
        // split-mnist: curve, bars, 3 heatmaps; split-cifar100: curve, bars, 2 heatmaps;
        // fscil: curve, bars, 1 heatmap; joint: curve, 1 heatmap.
        #expect(svgs.count == 14)
        for svg in svgs { #expect(xmlError(svg) == nil) }
    }

    @Test("the HTML page renders the sample for a visual check when asked to")
    func writeSample() throws {
        let path = ProcessInfo.processInfo.environment["CL_BENCH_REPORT_SAMPLE"] ?? ""
        let html = HTMLReport.render(summaries, generatedAt: "sample")
        #expect(!html.isEmpty)
        if !path.isEmpty {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test("text tables align columns and escape pipes in Markdown")
    func textTable() {
        let table = TextTable(
            header: ["name", "value"], rows: [["a|b", "1.5"], ["long name", "10.25"]],
            alignments: [.left, .right])
        #expect(table.terminalText() == "name       value\n---------  -----\na|b          1.5\nlong name  10.25\n")
        #expect(table.markdownText() == "| name | value |\n| --- | ---: |\n| a\\|b | 1.5 |\n| long name | 10.25 |\n")
    }
}
