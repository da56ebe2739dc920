import CLData
import Foundation
import HDF5Kit
import Testing
@testable import CLResults

/// One way of damaging a valid results file, and what the error must name.
struct ResultsDamage: CustomTestStringConvertible, Sendable {
    var testDescription: String
    var expected: String
    var apply: @Sendable (HDF5File) throws -> Void
}

private func replace(_ path: String, with values: [Double], shape: [Int]) -> @Sendable (HDF5File) throws -> Void {
    { file in
        try file.remove(path); try file.write(values, shape: shape, at: path)
    }
}

private let damages: [ResultsDamage] = [
    ResultsDamage(
        testDescription: "negative completed_tasks", expected: "attribute completed_tasks: -3 is outside 0 ... 2"
    ) {
        try $0.setAttribute("completed_tasks", .integer(-3))
    },
    ResultsDamage(testDescription: "huge completed_tasks", expected: "attribute completed_tasks: 4000000000 is outside")
    {
        try $0.setAttribute("completed_tasks", .integer(4_000_000_000))
    },
    ResultsDamage(
        testDescription: "completed_tasks of the wrong type", expected: "attribute completed_tasks: expected an integer"
    ) {
        try $0.setAttribute("completed_tasks", .string("two"))
    },
    ResultsDamage(
        testDescription: "task_classes far out of range",
        expected: "/stream/task_classes: task 1 names class 2147483647"
    ) {
        try $0.writeRows([Int32(2), Int32.max], startingAt: 1, at: "/stream/task_classes")
    },
    ResultsDamage(testDescription: "task_classes of rank 1", expected: "/stream/task_classes: shape 4, expected T x") {
        file in
        try file.remove("/stream/task_classes");
        try file.write([Int32(0), 1, 2, 3], shape: [4], at: "/stream/task_classes")
    },
    ResultsDamage(
        testDescription: "accuracy matrix of rank 1",
        expected: "/eval/accuracy_matrix: shape 6, expected T+1 x T = 3 x 2",
        apply: replace("/eval/accuracy_matrix", with: Array(repeating: 0.5, count: 6), shape: [6])),
    ResultsDamage(
        testDescription: "accuracy matrix transposed",
        expected: "/eval/accuracy_matrix: shape 2 x 3, expected T+1 x T = 3 x 2",
        apply: replace("/eval/accuracy_matrix", with: Array(repeating: 0.5, count: 6), shape: [2, 3])),
    ResultsDamage(
        testDescription: "pooled accuracy too short", expected: "/eval/pooled_accuracy: shape 1, expected T = 2",
        apply: replace("/eval/pooled_accuracy", with: [0.5], shape: [1])),
    ResultsDamage(
        testDescription: "per-class accuracy of the wrong width",
        expected: "/eval/per_class_accuracy: shape 2 x 3, expected T x C = 2 x 4",
        apply: replace("/eval/per_class_accuracy", with: Array(repeating: 0.5, count: 6), shape: [2, 3])),
    ResultsDamage(testDescription: "missing train timings", expected: "/timing/train_seconds: missing") {
        try $0.remove("/timing/train_seconds")
    },
    ResultsDamage(testDescription: "NaN timing", expected: "/timing/eval_seconds: task 1 took nan s") {
        try $0.writeRows([Double.nan], startingAt: 1, at: "/timing/eval_seconds")
    },
    ResultsDamage(testDescription: "infinite timing", expected: "/timing/train_seconds: task 0 took inf s") {
        try $0.writeRows([Double.infinity], startingAt: 0, at: "/timing/train_seconds")
    },
    ResultsDamage(testDescription: "accuracy above 1", expected: "/eval/accuracy_matrix: row 2 holds 7.0") {
        try $0.writeRows([7.0, 0.5], startingAt: 2, at: "/eval/accuracy_matrix")
    },
    ResultsDamage(testDescription: "unknown status", expected: "attribute status: 'bogus' is not one of") {
        try $0.setAttribute("status", .string("bogus"))
    },
    ResultsDamage(
        testDescription: "complete with a task missing",
        expected: "attribute status: says complete, but completed_tasks is 1 of 2"
    ) {
        try $0.setAttribute("completed_tasks", .integer(1))
    },
    ResultsDamage(testDescription: "enormous metric", expected: "/metrics: attribute forgetting is not a metric value")
    {
        try $0.setAttribute("forgetting", .double(1e300), at: "/metrics")
    },
    ResultsDamage(testDescription: "seed as text", expected: "attribute seed: expected an integer") {
        try $0.setAttribute("seed", .string("zero"))
    },
    ResultsDamage(
        testDescription: "empty class order", expected: "/stream/class_order: shape 0, expected a non-empty vector"
    ) { file in
        try file.remove("/stream/class_order"); try file.write([Int32](), shape: [0], at: "/stream/class_order")
    },
]

/// The uncertainty datasets of a learner with a predictive distribution: read back, and
/// checked (bins hold sample counts, so they are not bounded like accuracies).
@Test func uncertaintyDatasetsAreReadAndChecked() throws {
    let path = try ResultsFixtures.completeRun(name: "finetune-seed0.h5", learner: "finetune")
    let record = try ResultsReader.read(path)
    let uncertainty = try #require(record.uncertainty)
    #expect(uncertainty.ece.count == 2 && uncertainty.reliability.count == UncertaintyMetrics.calibrationBins)
    #expect(uncertainty.reliability.map { $0[0] }.reduce(0, +) > 0)

    let file = try HDF5File.open(path, writable: true)
    try file.writeRows([-3.0, 0.5, 0.5], startingAt: 0, at: "/eval/uncertainty/reliability")
    file.close()
    #expect(
        throws: InputError(
            file: path,
            "/eval/uncertainty/reliability: bin 0 holds [-3.0, 0.5, 0.5], not [samples, confidence, accuracy]")
    ) {
        try ResultsReader.read(path)
    }
    let again = try HDF5File.open(path, writable: true)
    try again.remove("/eval/uncertainty/entropy_seen")
    again.close()
    #expect(
        throws: InputError(
            file: path,
            "/eval/uncertainty/entropy_seen: missing, but /eval/uncertainty/entropy_unseen is there "
                + "(uncertainty datasets are written together)"
        )
    ) {
        try ResultsReader.read(path)
    }
}

/// Every results file is checked against the schema on read: a damaged one is one
/// `InputError` naming the file and the dataset or attribute, never a trap or garbage.
@Test(arguments: damages)
func damagedResultsFileIsRefusedNamingTheDataset(_ damage: ResultsDamage) throws {
    let path = try ResultsFixtures.completeRun()
    #expect(try ResultsReader.read(path).isComplete)  // the fixture itself is valid
    let file = try HDF5File.open(path, writable: true)
    try damage.apply(file)
    try file.flush()
    file.close()
    let error = #expect(throws: InputError.self) { try ResultsReader.read(path) }
    #expect(error?.file == path)
    #expect(error?.message.contains(damage.expected) == true, "\(error?.message ?? "no error")")
}
