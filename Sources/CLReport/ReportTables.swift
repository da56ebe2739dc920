import CLResults

/// The tables every report format shares, built once from a `ProtocolSummary`.
///
/// Statistics are "mean ± sample std (n − 1) over n seeds": the header says so because a
/// population std (n) is smaller and the difference matters with three seeds.
public enum ReportTables {
    /// The spread convention, printed with every table.
    public static let statisticsNote = "mean ± sample std (n − 1) over the n complete seeds"

    /// The four headline metrics of the terminal and Markdown reports.
    public static let headlineMetrics = ["final_accuracy", "average_incremental_accuracy", "forgetting", "bwt"]

    /// The headline metrics of `summary`'s protocol: on streams with task ids at test time
    /// (task-incremental, permuted) the task-aware accuracy and forgetting beside the
    /// task-agnostic ones, as Mammoth prints Class-IL and Task-IL side by side; on online
    /// streams the anytime metrics (METRICS.md, "Online streams").
    public static func headlineMetrics(for summary: ProtocolSummary) -> [String] {
        let taskAware = summary.allRuns.contains { $0.taskAwareAccuracy != nil }
        let online = summary.allRuns.contains { $0.anytime != nil }
        return headlineMetrics + (taskAware ? Metrics.taskAwareKeys : []) + (online ? Metrics.onlineKeys : [])
    }

    /// One row per learner: n, then mean ± std of each metric in `keys`.
    public static func metricTable(_ summary: ProtocolSummary, keys: [String]) -> TextTable {
        var table = TextTable(
            header: ["learner", "n"] + keys,
            alignments: [.left, .right] + keys.map { _ in .right })
        for learner in summary.learners {
            table.rows.append(
                [learner.learner, String(learner.runs.count)]
                    + keys.map { learner.metric($0)?.formatted ?? "n/a" })
        }
        return table
    }

    /// Why each unavailable metric in `keys` is "n/a", one line per (reason, metrics) pair.
    public static func unavailableNotes(_ summary: ProtocolSummary, keys: [String]) -> [String] {
        var notes: [String] = []
        for learner in summary.learners {
            var byReason: [(reason: String, keys: [String])] = []
            for key in keys {
                guard let reason = learner.metric(key)?.unavailableReason else { continue }
                if let index = byReason.firstIndex(where: { $0.reason == reason }) {
                    byReason[index].keys.append(key)
                } else {
                    byReason.append((reason, [key]))
                }
            }
            for entry in byReason {
                notes.append("n/a for \(learner.learner): \(entry.keys.joined(separator: ", ")): \(entry.reason)")
            }
        }
        return notes + deterministicNotes(summary)
    }

    /// A learner whose seeds all gave the same accuracy matrix: its "± 0.0000" is not luck but
    /// determinism (nothing it uses depends on the seed, e.g. nmc on pixels with a fixed class
    /// order), and the seeds are not independent repetitions.
    public static func deterministicNotes(_ summary: ProtocolSummary) -> [String] {
        summary.learners.compactMap { learner in
            let matrices = learner.runs.map { $0.accuracyMatrix.map { $0.map(\.bitPattern) } }
            guard matrices.count > 1, matrices.dropFirst().allSatisfy({ $0 == matrices[0] }) else { return nil }
            return "\(learner.learner): all \(matrices.count) seeds gave the same accuracy matrix bit for bit: it is "
                + "deterministic on this stream, so its ± 0.0000 says nothing about seed noise"
        }
    }

    /// The accuracy matrix of one learner, mean over seeds: row "before", then "after task i".
    public static func accuracyMatrixTable(_ learner: LearnerSummary) -> TextTable {
        matrixTable(learner.accuracyMatrix, corner: "R[i][j]")
    }

    /// The task-aware matrix A of one learner (mean over seeds), when its stream gives task ids.
    public static func taskAwareMatrixTable(_ learner: LearnerSummary) -> TextTable? {
        learner.taskAwareAccuracyMatrix.map { matrixTable($0, corner: "A[i][j]") }
    }

    static func matrixTable(_ matrix: [[SeedStatistics]], corner: String) -> TextTable {
        let columns = matrix.map(\.count).max() ?? 0
        var table = TextTable(
            header: [corner] + (0..<columns).map { "task \($0)" },
            alignments: [.left] + (0..<columns).map { _ in .right })
        for (index, row) in matrix.enumerated() {
            let label = index == 0 ? "before" : "after task \(index - 1)"
            table.rows.append([label] + row.map { NumberFormat.value($0.mean) })
        }
        return table
    }

    /// Runs that are running or failed, with how far they got and their error.
    public static func incompleteRunTable(_ summary: ProtocolSummary) -> TextTable {
        var table = TextTable(
            header: ["learner", "seed", "status", "tasks done", "error", "file"],
            alignments: [.left, .right, .left, .right, .left, .left])
        for run in summary.incompleteRuns {
            table.rows.append([
                run.learner, String(run.seed), run.status,
                "\(ReportRun.completedTasks(run)) / \(ReportRun.taskCount(run))",
                run.error ?? "", run.path,
            ])
        }
        return table
    }

    /// Few-shot sessions of one learner: all / base / novel / harmonic mean, mean ± std.
    public static func fscilTable(_ learner: LearnerSummary) -> TextTable? {
        guard let sessions = learner.fscilAccuracy else { return nil }
        var table = TextTable(
            header: ["session", "all", "base", "novel", "harmonic mean"],
            alignments: [.left, .right, .right, .right, .right])
        for (index, session) in sessions.enumerated() {
            table.rows.append(
                [String(index)]
                    + (0..<4).map {
                        $0 < session.count ? NumberFormat.meanAndDeviation(session[$0]) : "n/a"
                    })
        }
        return table
    }

    /// One line saying where the numbers came from: commits, hosts, BLAS kernels, convolution
    /// kernels, harness versions.
    public static func provenanceLine(_ summary: ProtocolSummary) -> String {
        func distinct(_ values: [String]) -> String {
            var seen: [String] = []
            for value in values.map({ $0.isEmpty ? "?" : $0 }) where !seen.contains(value) { seen.append(value) }
            return seen.joined(separator: ", ")
        }
        let runs = summary.allRuns
        // Files written before `conv_kernels` existed have none: say nothing rather than "?".
        let convolution =
            runs.allSatisfy { $0.convolutionKernels.isEmpty }
            ? "" : "conv \(distinct(runs.map(\.convolutionKernels))); "
        return "commit \(distinct(runs.map { String($0.gitCommit.prefix(12)) })); host \(distinct(runs.map(\.host))); "
            + "BLAS \(distinct(runs.map { "\($0.blasCore) × \($0.blasThreads)" })); "
            + convolution + "harness \(distinct(runs.map(\.harnessVersion)))"
    }

    /// Per run: seed, status, commit, harness version, host, BLAS kernel and threads, timings, peak memory.
    public static func runMetadataTable(_ summary: ProtocolSummary) -> TextTable {
        var table = TextTable(
            header: [
                "learner", "seed", "status", "commit", "harness", "host", "BLAS", "train", "eval",
                "peak RSS", "started", "finished",
            ],
            alignments: [
                .left, .right, .left, .left, .left, .left, .left, .right, .right, .right,
                .left, .left,
            ])
        for run in summary.allRuns {
            table.rows.append([
                run.learner, String(run.seed), run.status, String(run.gitCommit.prefix(12)),
                run.harnessVersion, run.host, "\(run.blasCore.isEmpty ? "?" : run.blasCore) × \(run.blasThreads)",
                NumberFormat.duration(ReportRun.total(run.trainSeconds)),
                NumberFormat.duration(ReportRun.total(run.evalSeconds)),
                NumberFormat.memory(run.peakRSSBytes), run.startedAt, run.finishedAt ?? "—",
            ])
        }
        return table
    }
}
