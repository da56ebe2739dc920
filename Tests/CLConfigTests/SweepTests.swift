import CLData
import CLLearners
import Foundation
import Testing
@testable import CLConfig
@testable import CLRun

/// A protocol on disk (sweep files name protocols by path) with two nmc entries and a finetune.
private func protocolFile() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/split.yaml"
    try """
    name: split
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 2 }
    learners:
      - { name: nmc }
      - { name: nmc, label: nmc-euclidean, metric: euclidean }
      - { name: finetune, backbone: { kind: mlp, widths: [8] } }
    seeds: [0, 1, 2]
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private func sweep(_ protocolPath: String, _ body: String) -> String {
    "name: grid\nprotocols: [\(protocolPath)]\n" + body
}

@Test func aSweepExpandsIntoRunsWithStableIdsAndGridPointsAsLabelledEntries() throws {
    let path = try protocolFile()
    let text = sweep(
        path,
        """
        learners: [nmc, finetune]
        seeds: [0, 1]
        grid: { nmc: { metric: [cosine, euclidean], feature_batch: [256] } }
        resources: { cpus: 2, memory: 8G, time: "4:00:00", partition: cpu }
        """)
    let spec = try SweepParser.parse(text: text, path: "s.yaml")
    #expect(
        spec.resources.cpus == 2 && spec.resources.memory == "8G" && spec.resources.time == "4:00:00"
            && spec.resources.partition == "cpu")
    let record = SweepRecordFolder(results: "out", sweepName: spec.name)
    let plan = try SweepPlan(spec: spec, record: record)
    #expect(
        plan.runs.map(\.id) == [
            "split/nmc-metric-cosine-feature_batch-256-seed0", "split/nmc-metric-cosine-feature_batch-256-seed1",
            "split/nmc-metric-euclidean-feature_batch-256-seed0", "split/nmc-metric-euclidean-feature_batch-256-seed1",
            "split/finetune-seed0", "split/finetune-seed1",
        ])
    #expect(plan.runs[0].resultsPath(in: "out") == "out/split/nmc-metric-cosine-feature_batch-256-seed0.h5")
    // Grid points run from the generated protocol; untouched entries from the protocol itself.
    #expect(plan.runs[0].protocolFile == "out/sweeps/grid/protocols/split.yaml")
    #expect(plan.runs[4].protocolFile == path)
    // The generated protocol is a valid protocol that lists each point with its values.
    let generated = try #require(plan.generatedProtocols.first)
    let parsed = try ProtocolParser.parse(text: generated.text, path: generated.path)
    let point = try #require(parsed.learners.first { $0.name == "nmc-metric-euclidean-feature_batch-256" })
    #expect(point.config.values["metric"] == .text("euclidean"))
    #expect(point.config.values["feature_batch"] == .integer(256))
    #expect(parsed.name == "split")

    // Ids do not depend on what else the sweep lists.
    let smaller = try SweepPlan(
        spec: SweepParser.parse(text: sweep(path, "learners: [finetune]\nseeds: [1]\n"), path: "s.yaml"), record: record
    )
    #expect(smaller.runs.map(\.id) == ["split/finetune-seed1"])
    // Without learners: or seeds:, every entry and the protocol's seeds.
    let whole = try SweepPlan(spec: SweepParser.parse(text: sweep(path, ""), path: "s.yaml"), record: record)
    #expect(whole.runs.count == 3 * 3 && whole.generatedProtocols.isEmpty)
}

@Test(arguments: [
    (
        "grid: { nmc: { metric: [manhattan] } }",
        ":3: grid.nmc.metric: nmc: expected one of cosine, euclidean, got manhattan"
    ),
    ("grid: { nmc: { temperature: [1, 2] } }", ":3: grid.nmc.temperature: nmc: unknown hyperparameter"),
    ("grid: { nmc: { feature_batch: [64, 64] } }", ":3: grid.nmc.feature_batch: '64' is listed twice"),
    ("grid: { teen: { shift_weight: [0.5] } }", ":3: grid.teen: not a learner this sweep runs"),
    ("grid: { nmc: { metric: [] } }", ":3: grid.nmc.metric: the list is empty"),
    // Grid values go through the declarations' rules, as protocol values do.
    ("grid: { nmc: { feature_batch: [64, 0] } }", ":3: grid.nmc.feature_batch: nmc: must be in 1 ... 16777216, got 0"),
    ("learners: [nmc, joint]", ":3: learners: no protocol of this sweep has a learner 'joint'"),
    ("seeds: [0, -1]", ":3: seeds: seeds are non-negative integers, got -1"),
    ("resources: { memory: lots }", ":3: resources.memory: expected a size such as 8G or 500M, got 'lots'"),
    ("resources: { time: 4h }", ":3: resources.time: expected a Slurm time"),
    ("resources: { cpus: 0 }", ":3: resources.cpus: must be a positive integer, got 0"),
    ("resources: { nodes: 2 }", ":3: resources.nodes: unknown key"),
    ("seed: [0]", ":3: seed: unknown key"),
])
func badSweepFilesNameTheLineAndKey(line: String, message: String) throws {
    let path = try protocolFile()
    #expect {
        _ = try SweepParser.parse(text: sweep(path, line + "\n"), path: "s.yaml")
    } throws: { error in
        "\(error)".hasPrefix("s.yaml" + message)
    }
}

@Test func aMissingProtocolOrBadNameIsAnError() throws {
    #expect(throws: InputError.self) {
        try SweepParser.parse(text: "name: x\nprotocols: [nowhere.yaml]\n", path: "s.yaml")
    }
    let error = try #require(throws: InputError.self) {
        try SweepParser.parse(text: "name: x\nprotocols: [nowhere.yaml]\n", path: "s.yaml")
    }
    #expect(
        error.description
            == "s.yaml:2: protocols[0]: no protocol file 'nowhere.yaml' (paths are relative to the working directory)")
    let path = try protocolFile()
    let badName = try #require(throws: InputError.self) {
        try SweepParser.parse(text: "name: a/b\nprotocols: [\(path)]\n", path: "s.yaml")
    }
    #expect(badName.description.hasPrefix("s.yaml:1: name: must be letters"))
}

@Test func gridLabelsAreSafeFileNames() {
    #expect(GridPoint.labelPart(key: "distill_weight", value: .integer(4)) == "distill_weight-4")
    #expect(GridPoint.labelPart(key: "lr", value: .number(0.5)) == "lr-0.5")
    #expect(GridPoint.labelPart(key: "w", value: .number(4)) == "w-4")
    #expect(GridPoint.labelPart(key: "widths", value: .numbers([400, 200])) == "widths-400_200")
    #expect(SweepParser.isSafeName("prd-distill_weight-4"))
    #expect(!SweepParser.isSafeName("prd-name-a b") && !SweepParser.isSafeName("x/y") && !SweepParser.isSafeName(""))
}

@Test func runStateCombinesTheResultsFileWithSlurm() {
    typealias S = SweepRunStatus
    #expect(S.combine(file: .complete, scheduler: .running("RUNNING")) == .complete)
    #expect(S.combine(file: .running, scheduler: .running("RUNNING")) == .running)
    // killed: the file still says running
    #expect(S.combine(file: .running, scheduler: .ended("CANCELLED")) == .interrupted)
    #expect(S.combine(file: .running, scheduler: .pending("PENDING")) == .interrupted)  // requeued, waiting to resume
    #expect(S.combine(file: .notStarted, scheduler: .pending("PENDING")) == .notStarted)
    #expect(S.combine(file: .failed, scheduler: .ended("FAILED")) == .failed)
    #expect(S.combine(file: .running, scheduler: nil) == .running)  // no Slurm: the file's word
    #expect(SchedulerTaskState.fromQueue("REQUEUED") == .pending("REQUEUED"))
    #expect(SchedulerTaskState.fromQueue("COMPLETING") == .ended("COMPLETING"))
    let run = SweepRun(protocolName: "p", protocolFile: "p.yaml", learner: "nmc", seed: 0)
    #expect(!SweepRunStatus(run: run, fileState: .running, scheduler: .pending("PENDING")).needsSubmission)
    #expect(SweepRunStatus(run: run, fileState: .running, scheduler: .ended("CANCELLED")).needsSubmission)
    #expect(!SweepRunStatus(run: run, fileState: .complete, scheduler: nil).needsSubmission)
}

/// Values that each follow the rules may break one together: every grid point is checked
/// with the rest of its entry before anything runs.
@Test func aGridPointThatBreaksARuleAcrossKeysIsAnError() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/hyper.yaml"
    try """
    name: hyper
    dataset: { name: mnist }
    stream: { kind: task-incremental, classes_per_task: 2 }
    backbone: { kind: mlp, widths: [8] }
    training: { optimizer: adam, lr: 0.001 }
    learners: [ { name: hypernet } ]
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let text = sweep(path, "grid: { hypernet: { generator: [mlp, rnn], hnet_hidden: [[], [10]] } }\n")
    let error = try #require(throws: InputError.self) { try SweepParser.parse(text: text, path: "s.yaml") }
    #expect(
        error.description.hasPrefix(
            "s.yaml:3: grid.hypernet: grid point 'hypernet-generator-rnn-hnet_hidden-': "
                + "hypernet: hnet_hidden: the rnn generator takes its state size"))
    // Without the breaking combination the sweep is valid.
    let fine = sweep(path, "grid: { hypernet: { generator: [mlp, rnn], hnet_hidden: [[4], [10]] } }\n")
    #expect(try SweepParser.parse(text: fine, path: "s.yaml").grid["hypernet"]?.count == 2)
}
