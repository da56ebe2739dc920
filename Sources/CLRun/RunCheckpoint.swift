import CLData
import CLLearners
import CLResults
import CLTensor
import Foundation
import HDF5Kit

/// What a run needs to continue after its last completed task: the learner's state
/// (`LearnerState`), what it handed its context (diagnostics, notes), and the
/// runner's own accumulators for the final metrics. Kept beside the results file as
/// `<results file>.checkpoint` (HDF5), replaced atomically after every task (written
/// beside, then renamed), so a kill at any moment leaves the previous one whole; removed
/// when the run completes.
struct RunCheckpoint {
    var completedTasks: Int
    var learner: LearnerCheckpoint
    var diagnostics: [String: Tensor]
    var notes: [String: String]
    /// Rows 0 ... completedTasks of the accuracy matrix, and per task the pooled accuracy
    /// and the few-shot "all seen" accuracy.
    var matrix: [[Double]]
    /// The same rows of the task-aware matrix (empty on streams without task ids at test time).
    var taskAwareMatrix: [[Double]] = []
    var pooled: [Double]
    var fewShotAll: [Double]
    var uncertaintyRows: [UncertaintyRow]
    /// Online streams: the anytime rows a_j(e) and pooled A_e of the points up to the last
    /// completed task's end, and per completed task the incoming samples scored right and
    /// scored in all before learning from them.
    var anytimeMatrix: [[Double]] = []
    var anytimePooled: [Double] = []
    var onlineCorrect: [Int] = []
    var onlineCounts: [Int] = []

    static func path(for resultsPath: String) -> String { resultsPath + ".checkpoint" }

    func write(for resultsPath: String) throws {
        let final = Self.path(for: resultsPath)
        let partial = final + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let file = try HDF5File.create(partial)
        try file.setAttribute("completed_tasks", .integer(Int64(completedTasks)))
        try Self.write(learner.tensors, in: file, at: "/learner/tensors")
        try Self.writeSeries(learner.values, in: file, at: "/learner/values")
        try Self.write(diagnostics, in: file, at: "/context/diagnostics")
        try file.createGroup("/context/notes")
        for (name, text) in notes { try file.setAttribute(name, .string(text), at: "/context/notes") }
        try Self.write(matrix: matrix, in: file, at: "/run/matrix")
        try Self.write(matrix: taskAwareMatrix, in: file, at: "/run/task_aware_matrix")
        try file.write(pooled, shape: [pooled.count], at: "/run/pooled")
        try file.write(fewShotAll, shape: [fewShotAll.count], at: "/run/few_shot_all")
        let uncertainty: [Double] = uncertaintyRows.flatMap { row -> [Double] in
            let fields: [Double] = [
                row.entropySeen, row.entropyUnseen, row.aurocUnseen, row.ece,
                row.mutualInformationSeen ?? .nan, row.mutualInformationUnseen ?? .nan,
                row.mutualInformationSeen == nil ? 0 : 1,
            ]
            return fields + row.reliability.flatMap { $0 }
        }
        try Self.write(matrix: anytimeMatrix, in: file, at: "/run/anytime_matrix")
        try file.write(anytimePooled, shape: [anytimePooled.count], at: "/run/anytime_pooled")
        let online = (onlineCorrect + onlineCounts).map { Int64($0) }
        try file.write(online, shape: [online.count], at: "/run/online_counts")
        try file.write(uncertainty, shape: [uncertainty.count], at: "/run/uncertainty")
        try file.setAttribute("rows", .integer(Int64(uncertaintyRows.count)), at: "/run/uncertainty")
        try file.flush()
        file.close()
        guard rename(partial, final) == 0 else {
            throw InputError(file: final, "cannot store the checkpoint (\(String(cString: strerror(errno))))")
        }
    }

    /// The checkpoint beside `resultsPath`, or nil when there is none.
    static func read(for resultsPath: String) throws -> RunCheckpoint? {
        let path = Self.path(for: resultsPath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let file = try HDF5File.open(path)
            defer { file.close() }
            var learner = LearnerCheckpoint()
            learner.tensors = try readTensors(file, at: "/learner/tensors")
            learner.values = try readSeries(file, UInt8.self, at: "/learner/values")
            var notes: [String: String] = [:]
            for name in try file.attributeNames(at: "/context/notes") {
                notes[name] = try file.attribute(name, at: "/context/notes")?.stringValue ?? ""
            }
            let matrix = try readMatrix(file, at: "/run/matrix")
            let taskAwareMatrix =
                file.exists("/run/task_aware_matrix") ? try readMatrix(file, at: "/run/task_aware_matrix") : []
            let rowCount = Int(try file.attribute("rows", at: "/run/uncertainty")?.integerValue ?? 0)
            let values = try file.read(Double.self, at: "/run/uncertainty").values
            let width = rowCount == 0 ? 0 : values.count / rowCount
            let rows = (0..<rowCount).map { r -> UncertaintyRow in
                let v = Array(values[(r * width)..<((r + 1) * width)])
                let reliability = stride(from: 7, to: v.count, by: 3).map { Array(v[$0..<($0 + 3)]) }
                return UncertaintyRow(
                    entropySeen: v[0], entropyUnseen: v[1], aurocUnseen: v[2], ece: v[3],
                    mutualInformationSeen: v[6] == 1 ? v[4] : nil, mutualInformationUnseen: v[6] == 1 ? v[5] : nil,
                    reliability: reliability)
            }
            var checkpoint = RunCheckpoint(
                completedTasks: Int(try file.attribute("completed_tasks")?.integerValue ?? 0), learner: learner,
                diagnostics: try readTensors(file, at: "/context/diagnostics"), notes: notes,
                matrix: matrix, taskAwareMatrix: taskAwareMatrix,
                pooled: try file.read(Double.self, at: "/run/pooled").values,
                fewShotAll: try file.read(Double.self, at: "/run/few_shot_all").values, uncertaintyRows: rows)
            if file.exists("/run/anytime_matrix") {
                checkpoint.anytimeMatrix = try readMatrix(file, at: "/run/anytime_matrix")
                checkpoint.anytimePooled = try file.read(Double.self, at: "/run/anytime_pooled").values
                let online = try file.read(Int64.self, at: "/run/online_counts").values.map { Int($0) }
                checkpoint.onlineCorrect = Array(online.prefix(online.count / 2))
                checkpoint.onlineCounts = Array(online.suffix(online.count / 2))
            }
            return checkpoint
        } catch let error as HDF5Error {
            throw InputError(
                file: path, "damaged checkpoint (\(error.message)); delete it to restart the run from its first task")
        }
    }

    static func remove(for resultsPath: String) {
        try? FileManager.default.removeItem(atPath: path(for: resultsPath))
    }

    /// Rows of equal width, flattened, with their width as the attribute `columns`.
    private static func write(matrix: [[Double]], in file: HDF5File, at path: String) throws {
        try file.write(matrix.flatMap { $0 }, shape: [matrix.count * (matrix.first?.count ?? 0)], at: path)
        try file.setAttribute("columns", .integer(Int64(matrix.first?.count ?? 0)), at: path)
    }

    private static func readMatrix(_ file: HDF5File, at path: String) throws -> [[Double]] {
        let columns = Int(try file.attribute("columns", at: path)?.integerValue ?? 0)
        let flat = try file.read(Double.self, at: path).values
        guard columns > 0 else { return [] }
        return stride(from: 0, to: flat.count - columns + 1, by: columns).map { Array(flat[$0..<($0 + columns)]) }
    }

    // Names (state-dictionary keys may hold '/') are attributes; datasets are numbered.
    private static func write(_ tensors: [String: Tensor], in file: HDF5File, at group: String) throws {
        try file.createGroup(group)
        for (index, (name, tensor)) in tensors.sorted(by: { $0.key < $1.key }).enumerated() {
            let item = "\(group)/\(index)"
            try file.write(tensor.scalars, shape: [tensor.scalars.count], at: item)
            try file.setAttribute("name", .string(name), at: item)
            try file.write(tensor.shape.map(Int64.init), shape: [tensor.shape.count], at: item + "_shape")
        }
    }

    private static func writeSeries<T: HDF5Scalar>(_ series: [String: [T]], in file: HDF5File, at group: String) throws
    {
        try file.createGroup(group)
        for (index, (name, values)) in series.sorted(by: { $0.key < $1.key }).enumerated() {
            let item = "\(group)/\(index)"
            try file.write(values, shape: [values.count], at: item)
            try file.setAttribute("name", .string(name), at: item)
        }
    }

    private static func readTensors(_ file: HDF5File, at group: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for member in try file.members(of: group) where !member.hasSuffix("_shape") {
            let item = "\(group)/\(member)"
            let name = try file.attribute("name", at: item)?.stringValue ?? member
            let shape = try file.read(Int64.self, at: item + "_shape").values.map { Int($0) }
            result[name] = Tensor(shape: shape, scalars: try file.read(Float.self, at: item).values)
        }
        return result
    }

    private static func readSeries<T: HDF5Scalar>(_ file: HDF5File, _ type: T.Type, at group: String) throws -> [String:
        [T]]
    {
        var result: [String: [T]] = [:]
        for member in try file.members(of: group) {
            let item = "\(group)/\(member)"
            result[try file.attribute("name", at: item)?.stringValue ?? member] = try file.read(T.self, at: item).values
        }
        return result
    }
}
