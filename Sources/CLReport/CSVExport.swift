import CLResults

/// `cl-bench export --format csv`: tidy rows, one value per line, so that pandas, R or a
/// spreadsheet can pivot them without knowing the HDF5 layout.
///
/// Columns: protocol, learner, seed, status, kind, key, row, column, value. `kind` is
/// `metric` (key = metric name), `accuracy_matrix` (row 0 = before training, row i + 1 =
/// after task i; column = task), `task_aware_accuracy` (the same layout, task id given at
/// test time; task-incremental and permuted streams), `pooled_accuracy` (column = task) or `fscil_accuracy`
/// (row = session, key = all/base/novel/harmonic_mean). NaN is written as "NaN", which both
/// pandas and R read as missing; incomplete runs are included and marked by `status`.
public enum CSVExport {
    public static let header = ["protocol", "learner", "seed", "status", "kind", "key", "row", "column", "value"]
    static let fscilColumns = ["all", "base", "novel", "harmonic_mean"]

    public static func render(_ records: [RunRecord]) -> String {
        var lines = [header.joined(separator: ",")]
        let ordered = records.sorted {
            ($0.protocolName, $0.learner, $0.seed, $0.path) < ($1.protocolName, $1.learner, $1.seed, $1.path)
        }
        for run in ordered {
            let prefix = [run.protocolName, run.learner, String(run.seed), run.status]
            func add(_ kind: String, _ key: String, _ row: Int?, _ column: Int?, _ value: Double) {
                let fields =
                    prefix + [kind, key, row.map(String.init) ?? "", column.map(String.init) ?? "", number(value)]
                lines.append(fields.map(quoted).joined(separator: ","))
            }
            let known = MetricCatalog.all.map(\.key)
            let extra = run.metrics.keys.filter { !known.contains($0) }.sorted()
            for key in known + extra {
                guard let value = run.metrics[key] else { continue }
                add("metric", key, nil, nil, value)
            }
            for (row, values) in run.accuracyMatrix.enumerated() {
                for (column, value) in values.enumerated() { add("accuracy_matrix", "accuracy", row, column, value) }
            }
            for (row, values) in (run.taskAwareAccuracy ?? []).enumerated() {
                for (column, value) in values.enumerated() {
                    add("task_aware_accuracy", "task_aware_accuracy", row, column, value)
                }
            }
            for (task, value) in run.pooledAccuracy.enumerated() {
                add("pooled_accuracy", "pooled_accuracy", nil, task, value)
            }
            for (session, values) in (run.fscilAccuracy ?? []).enumerated() {
                for (index, value) in values.enumerated() where index < fscilColumns.count {
                    add("fscil_accuracy", fscilColumns[index], session, nil, value)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Shortest text that reads back as the same Double; "NaN" for missing.
    static func number(_ value: Double) -> String {
        value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "Inf" : "-Inf") : "\(value)"
    }

    /// RFC 4180 quoting, only where a field needs it.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
