/// The shapes and ranges schema `cl-bench/1` prescribes, in terms of T (tasks, rows of
/// `/stream/task_classes`) and C (classes, length of `/stream/class_order`). The one place
/// a results file is checked on read: reports, the export and the regression check index
/// into these arrays, so a file that breaks a rule must be refused, not printed as garbage.
public enum ResultsSchema {
    /// One dimension of a dataset's shape.
    public enum Extent: Sendable, Equatable {
        case tasks, tasksPlusOne, classes
        /// E, the anytime evaluation points of an online stream (the length of `/eval/anytime_position`).
        case evaluationPoints
        case fixed(Int)

        func value(tasks: Int, classes: Int, points: Int = 0) -> Int {
            switch self {
            case .tasks: return tasks
            case .tasksPlusOne: return tasks + 1
            case .classes: return classes
            case .evaluationPoints: return points
            case .fixed(let n): return n
            }
        }

        var symbol: String {
            switch self {
            case .tasks: return "T"
            case .tasksPlusOne: return "T+1"
            case .classes: return "C"
            case .evaluationPoints: return "E"
            case .fixed(let n): return String(n)
            }
        }
    }

    /// A dataset the writer creates, with its prescribed shape.
    public struct DatasetRule: Sendable {
        public var path: String
        public var shape: [Extent]
        /// Written for every stream kind (otherwise only for some, and checked when present).
        public var required: Bool
    }

    /// Every dataset besides `/stream/task_classes` and `/stream/class_order`, which define T and C.
    public static let datasets: [DatasetRule] =
        [
            DatasetRule(path: "/stream/train_counts", shape: [.tasks], required: true),
            DatasetRule(path: "/stream/test_counts", shape: [.tasks], required: true),
            DatasetRule(path: "/eval/accuracy_matrix", shape: [.tasksPlusOne, .tasks], required: true),
            DatasetRule(path: "/eval/pooled_accuracy", shape: [.tasks], required: true),
            DatasetRule(path: "/eval/per_class_accuracy", shape: [.tasks, .classes], required: true),
            DatasetRule(path: "/eval/old_new_errors", shape: [.tasks, .fixed(3)], required: true),
            DatasetRule(path: "/eval/task_aware_accuracy", shape: [.tasksPlusOne, .tasks], required: false),
            DatasetRule(path: "/eval/fscil_accuracy", shape: [.tasks, .fixed(4)], required: false),
            DatasetRule(path: "/eval/anytime_accuracy", shape: [.evaluationPoints, .tasks], required: false),
            DatasetRule(path: "/eval/anytime_position", shape: [.evaluationPoints], required: false),
            DatasetRule(path: "/eval/anytime_pooled", shape: [.evaluationPoints], required: false),
            DatasetRule(path: "/timing/train_seconds", shape: [.tasks], required: true),
            DatasetRule(path: "/timing/eval_seconds", shape: [.tasks], required: true),
        ]
        + (ResultsWriter.uncertaintyDatasets + ResultsWriter.monteCarloDatasets).map {
            DatasetRule(path: "/eval/uncertainty/\($0)", shape: [.tasks], required: false)
        } + [
            DatasetRule(
                path: "/eval/uncertainty/reliability", shape: [.fixed(UncertaintyMetrics.calibrationBins), .fixed(3)],
                required: false)
        ]

    /// Written together for learners with a predictive distribution: one present, all present.
    public static let uncertaintyGroup = (ResultsWriter.uncertaintyDatasets + ["reliability"]).map {
        "/eval/uncertainty/\($0)"
    }

    /// Written together for online streams: one present, all present.
    public static let anytimeGroup = ["/eval/anytime_accuracy", "/eval/anytime_position", "/eval/anytime_pooled"]

    /// Root attribute `status`.
    public static let statuses = ["running", "complete", "failed", "interrupted"]

    /// No dataset of a results file is larger than this many elements (a 10 000-task,
    /// 10 000-class per-class matrix is 10⁸); a header claiming more is damage, and reading
    /// it would try to allocate the claimed size.
    public static let maximumElements = 1 << 27

    /// Accuracies (matrix entries, pooled, few-shot) are NaN (not evaluated) or in [0, 1].
    public static func isAccuracy(_ value: Double) -> Bool { value.isNaN || (value >= 0 && value <= 1) }

    /// Metrics are accuracies or differences of accuracies; NaN means undefined (one task).
    /// Anything beyond ±1000 is damage, and would overflow the plots' axis arithmetic.
    public static func isMetricValue(_ value: Double) -> Bool { value.isNaN || abs(value) <= 1000 }

    /// Timings of completed tasks are finite and non-negative.
    public static func isDuration(_ value: Double) -> Bool { value.isFinite && value >= 0 }
}
