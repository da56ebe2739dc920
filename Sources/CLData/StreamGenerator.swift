import Foundation

/// Builds a `TaskStream` (plain values: class lists and sample indices) from a
/// `StreamConfig` and a loaded dataset. Nothing is copied; every seeded choice uses
/// `MersenneTwister`, so a stream is a pure function of (config, dataset, seed).
public enum StreamGenerator {
    /// The stream for `config` over `dataset`. `seed` is the run seed: it chooses the
    /// few-shot samples and the pixel permutations (the class order has its own seed in
    /// `config.classOrder`). Errors name the offending protocol keys.
    public static func make(_ config: StreamConfig, dataset: Dataset, seed: Int) throws -> TaskStream {
        let stream = try unlabelled(config, dataset: dataset, seed: seed)
        try requireTrainingSamples(stream, dataset: dataset)
        return stream.labelled(by: dataset)
    }

    private static func unlabelled(_ config: StreamConfig, dataset: Dataset, seed: Int) throws -> TaskStream {
        switch config.kind {
        case .classIncremental, .taskIncremental:
            return try incremental(config, dataset: dataset)
        case .fewShotIncremental:
            if let folder = config.indexLists {
                return try fewShotFromIndexLists(config, folder: folder, dataset: dataset)
            }
            return try fewShot(config, dataset: dataset, seed: seed)
        case .permuted:
            return try permuted(config, dataset: dataset, seed: seed)
        }
    }

    /// A task class without a single training sample cannot be learned, and the run would
    /// go on silently with a meaningless row; that is an error naming the classes.
    static func requireTrainingSamples(_ stream: TaskStream, dataset: Dataset) throws {
        var counts = [Int](repeating: 0, count: dataset.classCount)
        for label in dataset.train.labels where label >= 0 && Int(label) < counts.count { counts[Int(label)] += 1 }
        for task in stream.tasks {
            let empty = task.classes.filter { $0 < 0 || $0 >= counts.count || counts[$0] == 0 }
            guard !empty.isEmpty else { continue }
            let names = empty.map {
                $0 >= 0 && $0 < dataset.classNames.count ? "\($0) (\(dataset.classNames[$0]))" : "\($0)"
            }
            throw InputError(
                file: dataset.source,
                "task \(task.index): class\(empty.count == 1 ? "" : "es") \(names.joined(separator: ", ")) "
                    + "of dataset '\(dataset.name)' \(empty.count == 1 ? "has" : "have") no training samples")
        }
    }

    // MARK: class- and task-incremental

    static func incremental(_ config: StreamConfig, dataset: Dataset) throws -> TaskStream {
        guard let perTask = config.classesPerTask else {
            throw InputError(file: "", "stream: \(config.kind.rawValue) needs classes_per_task")
        }
        let initial = config.initialClasses ?? perTask
        guard perTask >= 1 else {
            throw InputError(file: "", "stream: classes_per_task must be at least 1, got \(perTask)")
        }
        guard initial >= 1 else {
            throw InputError(file: "", "stream: initial_classes must be at least 1, got \(initial)")
        }
        let order = try ClassOrder.resolve(config.classOrder, classCount: dataset.classCount)
        let total = order.count
        // Each bounded by the class count first, so the arithmetic below cannot overflow.
        guard initial <= total else {
            throw InputError(file: "", "stream: initial_classes \(initial) exceeds the \(total) classes")
        }
        guard perTask <= total else {
            throw InputError(file: "", "stream: classes_per_task \(perTask) exceeds the \(total) classes")
        }
        let rest = total - initial
        guard rest >= 0, rest % perTask == 0 else {
            let below = max(rest, 0) / perTask
            throw InputError(
                file: "",
                "stream: initial_classes \(initial) + k x classes_per_task \(perTask) does not fit \(total) classes "
                    + "(\(initial) + \(below) x \(perTask) = \(initial + below * perTask), "
                    + "\(initial) + \(below + 1) x \(perTask) = \(initial + (below + 1) * perTask))"
            )
        }
        var groups = [Array(order[0..<initial])]
        var start = initial
        while start < total {
            groups.append(Array(order[start..<(start + perTask)]))
            start += perTask
        }
        return makeStream(kind: config.kind, order: order, groups: groups, dataset: dataset)
    }

    // MARK: few-shot incremental

    static func fewShot(_ config: StreamConfig, dataset: Dataset, seed: Int) throws -> TaskStream {
        func required(_ value: Int?, _ key: String) throws -> Int {
            guard let value else {
                throw InputError(file: "", "stream: few-shot-incremental needs \(key) (or index_lists)")
            }
            guard value >= 1 else { throw InputError(file: "", "stream: \(key) must be at least 1, got \(value)") }
            return value
        }
        let base = try required(config.baseClasses, "base_classes")
        let ways = try required(config.ways, "ways")
        let shots = try required(config.shots, "shots")
        let sessions = try required(config.sessions, "sessions")
        let order = try ClassOrder.resolve(config.classOrder, classCount: dataset.classCount)
        for (key, value) in [("base_classes", base), ("ways", ways), ("sessions", sessions)] where value > order.count {
            throw InputError(file: "", "stream: \(key) \(value) exceeds the \(order.count) classes")
        }
        guard base + sessions * ways <= order.count else {
            throw InputError(
                file: "",
                "stream: base_classes \(base) + sessions \(sessions) x ways \(ways) = \(base + sessions * ways) "
                    + "exceeds the \(order.count) classes"
            )
        }
        let trainByClass = indicesByClass(dataset.train.labels, classCount: dataset.classCount)
        let testByClass = indicesByClass(dataset.test.labels, classCount: dataset.classCount)
        var generator = MersenneTwister(seed: seed)
        let baseClasses = Array(order[0..<base])
        var tasks = [
            StreamTask(
                index: 0, classes: baseClasses,
                trainIndices: baseClasses.flatMap { trainByClass[$0] }.sorted(),
                testIndices: baseClasses.flatMap { testByClass[$0] }.sorted())
        ]
        for session in 1...sessions {
            let start = base + (session - 1) * ways
            let classes = Array(order[start..<(start + ways)])
            var chosen: [Int] = []
            for label in classes {
                let pool = trainByClass[label]
                guard pool.count >= shots else {
                    throw InputError(
                        file: "",
                        "stream: shots \(shots) but class \(label) (\(dataset.classNames[label])) "
                            + "has only \(pool.count) training samples"
                    )
                }
                // numpy: RandomState.choice(pool, shots, replace=False), drawn class by class.
                chosen += generator.choose(shots, from: pool)
            }
            tasks.append(
                StreamTask(
                    index: session, classes: classes, trainIndices: chosen,
                    testIndices: classes.flatMap { testByClass[$0] }.sorted()))
        }
        return TaskStream(
            kind: .fewShotIncremental, classOrder: Array(order[0..<(base + sessions * ways)]), tasks: tasks)
    }

    /// Few-shot sessions from published index lists (`session_1.txt` is the base session).
    /// Each file lists training-set indices, one per line; the class order is the order of
    /// first appearance, and a session's classes are those that first appear in it.
    static func fewShotFromIndexLists(_ config: StreamConfig, folder: String, dataset: Dataset) throws -> TaskStream {
        guard config.classOrder == .natural else {
            throw InputError(
                file: "", "stream: class_order cannot be combined with index_lists (the lists fix the class order)")
        }
        var files: [String] = []
        let wanted = config.sessions.map { $0 + 1 }
        var number = 1
        while true {
            let path = (folder as NSString).appendingPathComponent("session_\(number).txt")
            let exists = FileManager.default.fileExists(atPath: path)
            if let wanted {
                if number > wanted { break }
                guard exists else {
                    throw InputError(
                        file: path,
                        "missing: sessions \(wanted - 1) needs session_1.txt ... session_\(wanted).txt in index_lists")
                }
            } else if !exists {
                break
            }
            files.append(path)
            number += 1
        }
        guard !files.isEmpty else { throw InputError(file: folder, "index_lists: no session_1.txt in this folder") }
        let labels = dataset.train.labels
        let testByClass = indicesByClass(dataset.test.labels, classCount: dataset.classCount)
        var seen = Set<Int>()
        var order: [Int] = []
        var tasks: [StreamTask] = []
        for (session, path) in files.enumerated() {
            let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
            var indices: [Int] = []
            var newClasses: [Int] = []
            for (lineNumber, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                guard let index = Int(trimmed) else {
                    throw InputError(file: path, "line \(lineNumber + 1): '\(trimmed)' is not a sample index")
                }
                guard index >= 0, index < labels.count else {
                    throw InputError(
                        file: path,
                        "line \(lineNumber + 1): index \(index) is outside the \(labels.count) training samples of "
                            + "\(dataset.name)"
                    )
                }
                indices.append(index)
                let label = Int(labels[index])
                if seen.insert(label).inserted { order.append(label); newClasses.append(label) }
            }
            guard !newClasses.isEmpty else {
                throw InputError(file: path, "session \(session + 1) introduces no new class")
            }
            if session == 0, let base = config.baseClasses, base != newClasses.count {
                throw InputError(file: path, "has \(newClasses.count) classes but base_classes is \(base)")
            }
            if session > 0, let ways = config.ways, ways != newClasses.count {
                throw InputError(file: path, "introduces \(newClasses.count) classes but ways is \(ways)")
            }
            if session > 0, let shots = config.shots, indices.count != shots * newClasses.count {
                throw InputError(
                    file: path, "lists \(indices.count) samples, but ways x shots is \(newClasses.count) x \(shots)")
            }
            tasks.append(
                StreamTask(
                    index: session, classes: newClasses, trainIndices: indices,
                    testIndices: newClasses.flatMap { testByClass[$0] }.sorted()))
        }
        return TaskStream(kind: .fewShotIncremental, classOrder: order, tasks: tasks)
    }

    // MARK: permuted

    /// Permuted streams (permuted MNIST): every task has all classes and all samples; task
    /// t sees each image through a fixed pixel permutation. As in the literature (Goodfellow
    /// et al. 2013, EWC, GEM), task 0 is the identity, so it is the unpermuted dataset; tasks
    /// 1... use `RandomState(seed).permutation(pixels)` drawn in task order from one generator.
    static func permuted(_ config: StreamConfig, dataset: Dataset, seed: Int) throws -> TaskStream {
        guard let taskCount = config.tasks else { throw InputError(file: "", "stream: permuted needs tasks") }
        guard taskCount >= 1 else { throw InputError(file: "", "stream: tasks must be at least 1, got \(taskCount)") }
        guard config.classOrder == .natural else {
            throw InputError(
                file: "", "stream: class_order has no meaning for permuted streams (every task has every class)")
        }
        let size = dataset.train.sampleSize
        var generator = MersenneTwister(seed: seed)
        let classes = Array(0..<dataset.classCount)
        let train = Array(0..<dataset.train.count), test = Array(0..<dataset.test.count)
        var tasks: [StreamTask] = []
        for t in 0..<taskCount {
            let permutation = t == 0 ? Array(0..<size) : generator.permutation(size)
            tasks.append(
                StreamTask(
                    index: t, classes: classes, trainIndices: train, testIndices: test, pixelPermutation: permutation))
        }
        return TaskStream(kind: .permuted, classOrder: classes, tasks: tasks)
    }

    // MARK: helpers

    /// Sample indices of each class, ascending.
    static func indicesByClass(_ labels: [Int32], classCount: Int) -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() where label >= 0 && Int(label) < classCount {
            byClass[Int(label)].append(index)
        }
        return byClass
    }

    /// Tasks whose samples are all train and test samples of their classes.
    static func makeStream(kind: StreamKind, order: [Int], groups: [[Int]], dataset: Dataset) -> TaskStream {
        let trainByClass = indicesByClass(dataset.train.labels, classCount: dataset.classCount)
        let testByClass = indicesByClass(dataset.test.labels, classCount: dataset.classCount)
        let tasks = groups.enumerated().map { index, classes in
            StreamTask(
                index: index, classes: classes,
                trainIndices: classes.flatMap { trainByClass[$0] }.sorted(),
                testIndices: classes.flatMap { testByClass[$0] }.sorted())
        }
        return TaskStream(kind: kind, classOrder: order, tasks: tasks)
    }
}
