import HDF5Kit

/// An open results file read through the rules of `ResultsSchema`: every dataset's rank
/// and shape is checked before it is read (a damaged header must not make us allocate
/// terabytes), every value that is later used as an index or a count is range-checked,
/// and each problem is an `InputError` naming the file and the dataset or attribute.
struct SchemaCheckedFile {
    let file: HDF5File
    let path: String

    /// The whole record, or the first rule the file breaks.
    func record() throws -> RunRecord {
        // C and T come from the stream; every other shape is checked against them.
        let classOrderShape = try shape("/stream/class_order", required: true)!
        guard classOrderShape.count == 1, classOrderShape[0] >= 1 else {
            throw problem("/stream/class_order", "shape \(describe(classOrderShape)), expected a non-empty vector (C)")
        }
        let classOrder = try integers("/stream/class_order")
        guard classOrder.allSatisfy({ $0 >= 0 }), Set(classOrder).count == classOrder.count else {
            throw problem("/stream/class_order", "holds a negative or repeated label")
        }
        let classCount = classOrder.count

        let taskClassesShape = try shape("/stream/task_classes", required: true)!
        guard taskClassesShape.count == 2, taskClassesShape[0] >= 1, taskClassesShape[1] >= 1 else {
            throw problem(
                "/stream/task_classes",
                "shape \(describe(taskClassesShape)), expected T x (classes per task) with T ≥ 1")
        }
        let taskCount = taskClassesShape[0]
        let known = Set(classOrder)
        let taskClasses = try rows(integers("/stream/task_classes"), width: taskClassesShape[1]).enumerated().map {
            task, row in
            let classes = row.filter { $0 != -1 }
            if let stranger = classes.first(where: { !known.contains($0) }) {
                throw problem(
                    "/stream/task_classes", "task \(task) names class \(stranger), which is not in /stream/class_order")
            }
            guard !classes.isEmpty else { throw problem("/stream/task_classes", "task \(task) has no class") }
            return classes
        }

        // E (online streams) comes from /eval/anytime_position; the other anytime datasets follow it.
        let pointsShape = try shape("/eval/anytime_position", required: false)
        if let pointsShape, pointsShape.count != 1 {
            throw problem("/eval/anytime_position", "shape \(describe(pointsShape)), expected a vector (E)")
        }
        let points = pointsShape?.first ?? 0
        for rule in ResultsSchema.datasets {
            guard let found = try shape(rule.path, required: rule.required) else { continue }
            let expected = rule.shape.map { $0.value(tasks: taskCount, classes: classCount, points: points) }
            guard found == expected else {
                let symbols = rule.shape.map(\.symbol).joined(separator: " x ")
                throw problem(
                    rule.path,
                    "shape \(describe(found)), expected \(symbols) = \(describe(expected)) "
                        + "(T = \(taskCount) tasks, C = \(classCount) classes, E = \(points) anytime points)")
            }
        }

        let completed = try integerAttribute("completed_tasks") ?? 0
        guard (0...taskCount).contains(completed) else {
            throw problem(
                "attribute completed_tasks",
                "\(completed) is outside 0 ... \(taskCount) (the stream has \(taskCount) tasks)")
        }
        let status = try text("status")
        guard ResultsSchema.statuses.contains(status) else {
            throw problem(
                "attribute status", "'\(status)' is not one of \(ResultsSchema.statuses.joined(separator: ", "))")
        }
        guard status != "complete" || completed == taskCount else {
            throw problem("attribute status", "says complete, but completed_tasks is \(completed) of \(taskCount)")
        }
        let seed = try integerAttribute("seed") ?? -1

        let trainCounts = try integers("/stream/train_counts")
        let testCounts = try integers("/stream/test_counts")
        for (name, counts) in [("/stream/train_counts", trainCounts), ("/stream/test_counts", testCounts)] {
            if let negative = counts.first(where: { $0 < 0 }) { throw problem(name, "negative count \(negative)") }
        }

        // Rows 0 ... completed of the matrices were written; later rows are NaN placeholders.
        let accuracyMatrix = try accuracyRows("/eval/accuracy_matrix", width: taskCount, checkedRows: completed + 1)
        let taskAware =
            try file.exists("/eval/task_aware_accuracy")
            ? accuracyRows("/eval/task_aware_accuracy", width: taskCount, checkedRows: completed + 1) : nil
        let fscil =
            try file.exists("/eval/fscil_accuracy")
            ? Array(accuracyRows("/eval/fscil_accuracy", width: 4, checkedRows: completed).prefix(completed)) : nil
        let pooled = Array(
            try accuracyRows("/eval/pooled_accuracy", width: 1, checkedRows: completed).prefix(completed).map { $0[0] })
        let trainSeconds = try durations("/timing/train_seconds", completed: completed)
        let evalSeconds = try durations("/timing/eval_seconds", completed: completed)

        var metrics: [String: Double] = [:]
        if file.exists("/metrics") {
            for key in try file.attributeNames(at: "/metrics") {
                guard let value = try file.attribute(key, at: "/metrics")?.doubleValue,
                    ResultsSchema.isMetricValue(value)
                else {
                    throw problem(
                        "/metrics", "attribute \(key) is not a metric value (a number in -1000 ... 1000, or NaN)")
                }
                metrics[key] = value
            }
        }
        // Files written before the runner recorded the task-aware keys: computed from A, as the runner does.
        if status == "complete", let taskAware, Metrics.taskAwareKeys.contains(where: { metrics[$0] == nil }) {
            metrics.merge(Metrics.taskAware(taskAware)) { recorded, _ in recorded }
        }
        let peak = try integerAttribute("peak_rss_bytes")
        if let peak, peak < 0 { throw problem("attribute peak_rss_bytes", "negative (\(peak))") }

        var record = RunRecord(
            path: path, status: status, error: try file.attribute("error")?.stringValue,
            protocolName: try text("protocol_name"), protocolYAML: try text("protocol_yaml"),
            learner: try text("learner"), learnerConfig: try text("learner_config"), seed: seed,
            startedAt: try text("started_at"), finishedAt: try file.attribute("finished_at")?.stringValue,
            harnessVersion: try text("harness_version"), gitCommit: try text("git_commit"), host: try text("host"),
            blasCore: try text("blas_core"), blasThreads: try integerAttribute("blas_threads") ?? 0,
            peakRSSBytes: peak, streamKind: try text("stream_kind"),
            classOrder: classOrder, taskClasses: taskClasses, trainCounts: trainCounts, testCounts: testCounts,
            accuracyMatrix: accuracyMatrix, pooledAccuracy: pooled, taskAwareAccuracy: taskAware,
            fscilAccuracy: fscil, metrics: metrics, trainSeconds: trainSeconds, evalSeconds: evalSeconds)
        record.learnerType = try text("learner_type")
        record.configuration = try file.attribute("configuration")?.stringValue.flatMap {
            $0.isEmpty ? nil : RunConfiguration(text: $0)
        }
        record.convolutionKernels = try text("conv_kernels")
        record.uncertainty = try uncertainty()
        record.anytime = try anytime(taskCount: taskCount)
        return record
    }

    /// `/eval/anytime_*` of an online stream: all three or none; positions increasing and
    /// positive, accuracies NaN (not reached, or not yet written) or in [0, 1].
    private func anytime(taskCount: Int) throws -> Metrics.Anytime? {
        let present = ResultsSchema.anytimeGroup.filter { file.exists($0) }
        guard !present.isEmpty else { return nil }
        if let absent = ResultsSchema.anytimeGroup.first(where: { !file.exists($0) }) {
            throw problem(absent, "missing, but \(present[0]) is there (anytime datasets are written together)")
        }
        let positions = try file.read(Int64.self, at: "/eval/anytime_position").values.map { Int($0) }
        for (e, position) in positions.enumerated() where position <= 0 || (e > 0 && position <= positions[e - 1]) {
            throw problem("/eval/anytime_position", "point \(e) is at \(position), not after the previous point")
        }
        let accuracy = try accuracyRows("/eval/anytime_accuracy", width: taskCount, checkedRows: positions.count)
        let pooled = try accuracyRows("/eval/anytime_pooled", width: 1, checkedRows: positions.count).map { $0[0] }
        return Metrics.Anytime(accuracy: accuracy, position: positions, pooled: pooled)
    }

    /// `/eval/uncertainty/*`: all of the group or none; values NaN or bounded (they are plotted).
    private func uncertainty() throws -> UncertaintyRecord? {
        let present = ResultsSchema.uncertaintyGroup.filter { file.exists($0) }
        guard !present.isEmpty else { return nil }
        if let absent = ResultsSchema.uncertaintyGroup.first(where: { !file.exists($0) }) {
            throw problem(absent, "missing, but \(present[0]) is there (uncertainty datasets are written together)")
        }
        func values(_ name: String) throws -> [Double] {
            let objectPath = "/eval/uncertainty/\(name)"
            let read = try file.read(Double.self, at: objectPath).values
            if let bad = read.first(where: { !ResultsSchema.isMetricValue($0) }) {
                throw problem(objectPath, "holds \(bad)")
            }
            return read
        }
        func optional(_ name: String) throws -> [Double]? {
            file.exists("/eval/uncertainty/\(name)") ? try values(name) : nil
        }
        // Per confidence bin: [samples, mean confidence, accuracy]; NaN until the run completes.
        let reliability = rows(try file.read(Double.self, at: "/eval/uncertainty/reliability").values, width: 3)
        for (bin, row) in reliability.enumerated() {
            guard row[0].isNaN || (row[0].isFinite && row[0] >= 0), ResultsSchema.isAccuracy(row[1]),
                ResultsSchema.isAccuracy(row[2])
            else {
                throw problem(
                    "/eval/uncertainty/reliability", "bin \(bin) holds \(row), not [samples, confidence, accuracy]")
            }
        }
        return UncertaintyRecord(
            entropySeen: try values("entropy_seen"), entropyUnseen: try values("entropy_unseen"),
            aurocUnseen: try values("auroc_unseen"), ece: try values("ece"),
            mutualInformationSeen: try optional("mutual_information_seen"),
            mutualInformationUnseen: try optional("mutual_information_unseen"),
            reliability: reliability)
    }

    // MARK: Checked access

    private func problem(_ what: String, _ message: String) -> InputError {
        InputError(file: path, "\(what): \(message)")
    }

    private func describe(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: " x ")
    }

    /// The shape of a dataset, nil when it is absent and optional; refuses absurd sizes.
    private func shape(_ objectPath: String, required: Bool) throws -> [Int]? {
        guard file.exists(objectPath) else {
            if required { throw problem(objectPath, "missing (every cl-bench/1 results file has it)") }
            return nil
        }
        let found = try file.shape(of: objectPath)
        var elements = 1
        for extent in found {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= ResultsSchema.maximumElements else {
                throw problem(objectPath, "shape \(describe(found)) is larger than any results file holds")
            }
            elements = product
        }
        return found
    }

    private func integers(_ objectPath: String) throws -> [Int] {
        try file.read(Int32.self, at: objectPath).values.map { Int($0) }
    }

    private func rows<T>(_ values: [T], width: Int) -> [[T]] {
        stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    }

    /// A matrix of accuracies (a vector is one column) whose first `checkedRows` rows must be
    /// NaN or in [0, 1].
    private func accuracyRows(_ objectPath: String, width: Int, checkedRows: Int) throws -> [[Double]] {
        let matrix = rows(try file.read(Double.self, at: objectPath).values, width: width)
        for (row, values) in matrix.prefix(checkedRows).enumerated() {
            if let bad = values.first(where: { !ResultsSchema.isAccuracy($0) }) {
                throw problem(objectPath, "row \(row) holds \(bad), not an accuracy in [0, 1]")
            }
        }
        return matrix
    }

    /// The timings of the completed tasks, which must be finite and non-negative.
    private func durations(_ objectPath: String, completed: Int) throws -> [Double] {
        let values = Array(try file.read(Double.self, at: objectPath).values.prefix(completed))
        if let bad = values.enumerated().first(where: { !ResultsSchema.isDuration($0.element) }) {
            throw problem(objectPath, "task \(bad.offset) took \(bad.element) s, not a duration")
        }
        return values
    }

    private func text(_ name: String) throws -> String {
        guard let value = try file.attribute(name) else { return "" }
        guard let string = value.stringValue else { throw problem("attribute \(name)", "expected text") }
        return string
    }

    private func integerAttribute(_ name: String) throws -> Int? {
        guard let value = try file.attribute(name) else { return nil }
        guard let integer = value.integerValue, let result = Int(exactly: integer) else {
            throw problem("attribute \(name)", "expected an integer")
        }
        return result
    }
}
