import CLLearners
import CLResults
import CLRun
import CLTensor
import Foundation
import HDF5Kit
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// A shipped learner's resumable protocol: tasks that take about a second each, so that a
/// kill lands inside one.
struct ResumeCase: CustomTestStringConvertible, Sendable {
    var learner: String
    var protocolText: String
    /// 28x28 images (conv4 features, one sample at a time) or the 2x2 fixture.
    var largeImages: Bool
    var testDescription: String { learner }
}

private let resumeCases = [
    ResumeCase(
        learner: "nmc",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: conv4 }
            learners: [ { name: nmc, feature_batch: 1 } ]
            """, largeImages: true),
    ResumeCase(
        learner: "finetune",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 2500, batch_size: 4, optimizer: sgd, lr: 0.05, momentum: 0.9, schedule: cosine }
            learners: [ { name: finetune } ]
            """, largeImages: false),
    ResumeCase(
        learner: "joint",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 800, batch_size: 4, optimizer: adam, lr: 0.01, schedule: constant }
            learners: [ { name: joint } ]
            """, largeImages: false),
    // The base session (task 0) is trained once; resuming after it must not train it again.
    ResumeCase(
        learner: "teen",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: conv4 }
            training: { epochs: 1, batch_size: 32, optimizer: sgd, lr: 0.01, momentum: 0.9, schedule: constant }
            learners: [ { name: teen, feature_batch: 1 } ]
            """, largeImages: true),
    ResumeCase(
        learner: "prd",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { steps: 6000, batch_size: 4, optimizer: sgd, lr: 0.05, momentum: 0.9, schedule: cosine }
            learners: [ { name: prd, projection_dim: 8 } ]
            """, largeImages: false),
    ResumeCase(
        learner: "napa-vq",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 750, batch_size: 4, optimizer: adam, lr: 0.001, schedule: constant }
            learners: [ { name: napa-vq, draws: 4, neighbours: 3 } ]
            """, largeImages: false),
    ResumeCase(
        learner: "hypernet",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: task-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [8] }
            training: { batch_size: 4, optimizer: adam, lr: 0.001, schedule: constant }
            learners: [ { name: hypernet, iterations: 6000, hnet_hidden: [8], embedding_size: 4 } ]
            """, largeImages: false),
    ResumeCase(
        learner: "psenn",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 1500, batch_size: 4, optimizer: adam, lr: 0.001, schedule: constant }
            learners: [ { name: psenn, latent_dimension: 4 } ]
            """, largeImages: false),
    ResumeCase(
        learner: "prob-psenn",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 2500, batch_size: 4, optimizer: adam, lr: 0.001, schedule: constant }
            learners: [ { name: prob-psenn, latent_dimension: 4, mc_samples: 4 } ]
            """, largeImages: false),
    // Online: one pass of 600 samples per task, batches of 1, anytime evaluations every 6
    // samples (their rows and the online accuracy are runner accumulators in the checkpoint).
    ResumeCase(
        learner: "er",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2, online: { batch_size: 1, eval_every: 6 } }
            backbone: { kind: mlp, widths: [16] }
            training: { optimizer: sgd, lr: 0.01, momentum: 0.5, schedule: constant }
            learners: [ { name: er, memory: 50, replay_batch_size: 10 } ]
            """, largeImages: true),
    // The teacher (lwf), the Fisher and anchor (ewc), the buffer and its logits (der) are
    // taken or carried across task boundaries; momentum within each task.
    ResumeCase(
        learner: "lwf",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 1500, batch_size: 4, optimizer: sgd, lr: 0.05, momentum: 0.9, schedule: cosine }
            learners: [ { name: lwf } ]
            """, largeImages: false),
    ResumeCase(
        learner: "ewc",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 2000, batch_size: 4, optimizer: sgd, lr: 0.05, momentum: 0.9, schedule: cosine }
            learners: [ { name: ewc, lambda: 10, gamma: 0.9 } ]
            """, largeImages: false),
    ResumeCase(
        learner: "der",
        protocolText: """
            name: resume
            dataset: { name: mnist }
            stream: { kind: class-incremental, classes_per_task: 2 }
            backbone: { kind: mlp, widths: [16] }
            training: { epochs: 1000, batch_size: 4, optimizer: sgd, lr: 0.05, momentum: 0.9, schedule: cosine }
            learners: [ { name: der, memory: 10, replay_batch_size: 4 } ]
            """, largeImages: false),
]

/// Every shipped learner has a kill/resume case above (a new learner must add one).
@Test func everyShippedLearnerHasAResumeCase() {
    let covered = Set(resumeCases.map(\.learner))
    for learner in LearnerRegistry.builtIn.map({ $0.name }) {
        #expect(covered.contains(learner), "learner '\(learner)' has no kill/resume case in ResumeTests")
    }
}

/// kill -9 a run at several points (inside task 2 and inside task 4, with and without an
/// extra delay), `run --resume` it, and compare the file with an uninterrupted run's: every
/// dataset and attribute bit for bit, apart from timings, timestamps, peak memory and the
/// resume record.
@Test(arguments: resumeCases)
func aKilledRunResumesToTheSameFileBitForBit(_ resumeCase: ResumeCase) throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    if resumeCase.largeImages {
        try writeIDXImages(to: folder + "/data/mnist", side: 28, perClass: 300)
    } else {
        try writeTinyIDX(to: folder + "/data/mnist")
    }
    try resumeCase.protocolText.write(toFile: folder + "/resume.yaml", atomically: true, encoding: .utf8)
    let reference = try runCLI(
        ["run", "--protocol", "resume.yaml", "--data-dir", "data", "--out", "reference"], in: folder)
    #expect(reference.status == 0, "\(reference.error)")
    let expected = folder + "/reference/resume/\(resumeCase.learner)-seed0.h5"

    for (point, (afterTask, delay)) in [(1, 0.0), (3, 0.3)].enumerated() {
        let out = "killed\(point)"
        let killedAt = try killRun(in: folder, out: out, afterTaskLine: afterTask, delay: delay)
        let path = folder + "/\(out)/resume/\(resumeCase.learner)-seed0.h5"
        #expect(
            killedAt.status == "running" && killedAt.completedTasks < 5,
            "point \(point): the kill came too late (\(killedAt.status), \(killedAt.completedTasks) tasks)")
        #expect(FileManager.default.fileExists(atPath: path + ".checkpoint"))
        let resumed = try runCLI(
            ["run", "--protocol", "resume.yaml", "--data-dir", "data", "--out", out, "--resume"], in: folder)
        #expect(resumed.status == 0, "\(resumed.error)")
        // A kill between the results file's task and the checkpoint of that task leaves the
        // checkpoint one task behind: the run continues from the checkpoint.
        #expect(
            resumed.output.contains("is running; continuing after its task \(killedAt.checkpointTasks)"),
            "\(resumed.output)")
        #expect(!FileManager.default.fileExists(atPath: path + ".checkpoint"), "a complete run keeps no checkpoint")
        let differences = try ResultsComparison.differences(expected, path)
        #expect(differences.isEmpty, "point \(point): \(differences)")
        let file = try HDF5File.open(path)
        #expect(
            try file.attribute("resumed")?.stringValue?.hasPrefix("after task \(killedAt.checkpointTasks) of 5 at ")
                == true)
        file.close()
    }
}

/// `--resume` after the protocol was edited refuses, for a complete file and for an
/// incomplete one alike, naming the file, and leaves both file and checkpoint as they were.
@Test func resumeAfterTheLearnerConfigurationChangedIsRefused() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    let original = """
        name: edited
        dataset: { name: mnist }
        stream: { kind: class-incremental, classes_per_task: 2 }
        learners: [ { name: nmc } ]
        """
    try original.write(toFile: folder + "/edited.yaml", atomically: true, encoding: .utf8)
    let arguments = ["run", "--protocol", "edited.yaml", "--data-dir", "data", "--out", "out", "--resume"]
    #expect(try runCLI(arguments, in: folder).status == 0)
    let path = folder + "/out/edited/nmc-seed0.h5"
    let unchanged = try runCLI(arguments, in: folder)
    #expect(unchanged.status == 0 && unchanged.output.contains("is complete, skipped"), "\(unchanged.output)")

    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    try original.replacingOccurrences(of: "{ name: nmc }", with: "{ name: nmc, metric: euclidean }")
        .write(toFile: folder + "/edited.yaml", atomically: true, encoding: .utf8)
    let edited = try runCLI(arguments, in: folder)
    #expect(edited.status == 2)
    #expect(
        edited.error.contains(path.replacingOccurrences(of: folder + "/", with: ""))
            && edited.error.contains("configuration differs in learner.config"),
        "\(edited.error)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the complete file was touched")

    // An incomplete file with a checkpoint: refused the same way, both kept.
    let file = try HDF5File.open(path, writable: true)
    try file.setAttribute("status", .string("interrupted"))
    file.close()
    try Data("checkpoint".utf8).write(to: URL(fileURLWithPath: path + ".checkpoint"))
    #expect(try runCLI(arguments, in: folder).status == 2)
    #expect(RunState.ofResultsFile(at: path) == .interrupted)
    #expect(FileManager.default.fileExists(atPath: path + ".checkpoint"))
}

/// An incomplete file without a checkpoint (the run stopped inside its first task, or its
/// learner holds undeclared state and is never checkpointed) is restarted, and says why.
@Test func anIncompleteRunWithoutACheckpointIsRestarted() throws {
    let path = scratchFolder() + "/nmc-seed0.h5"
    let file = try HDF5File.create(path)
    try file.setAttribute("status", .string("interrupted"))
    file.close()
    #expect(
        ResumeDecision.decide(resultsPath: path, learner: NearestMeanClassifier.self)
            == .restart(previous: .interrupted, reason: "no checkpoint beside it"))
}

/// Starts the run, waits for its "task N/5" line (plus `delay`), kills it with SIGKILL and
/// returns what its file and its checkpoint say.
private func killRun(in folder: String, out: String, afterTaskLine task: Int, delay: Double) throws
    -> (status: String, completedTasks: Int, checkpointTasks: Int)
{
    let process = Process()
    process.executableURL = cliBinary()
    process.arguments = ["run", "--protocol", "resume.yaml", "--data-dir", "data", "--out", out]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let log = folder + "/\(out).log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, process.isRunning,
        !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("task \(task)/5")
    {
        Thread.sleep(forTimeInterval: 0.01)
    }
    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let path =
        folder + "/\(out)/resume/"
        + (try FileManager.default.contentsOfDirectory(atPath: folder + "/\(out)/resume").first { $0.hasSuffix(".h5") }
            ?? "")
    let file = try HDF5File.open(path)
    defer { file.close() }
    let checkpoint = try? HDF5File.open(path + ".checkpoint")
    defer { checkpoint?.close() }
    return (
        try file.attribute("status")?.stringValue ?? "", Int(try file.attribute("completed_tasks")?.integerValue ?? 0),
        Int(try checkpoint?.attribute("completed_tasks")?.integerValue ?? -1)
    )
}

/// `check --identical`: two runs of one protocol are identical apart from timings (exit 0);
/// a changed attribute is named (exit 1); a file that is not there is bad input (exit 2).
@Test func checkIdenticalComparesTwoResultsFilesBitForBit() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    let text = """
        name: twice
        dataset: { name: mnist }
        stream: { kind: class-incremental, classes_per_task: 2 }
        learners: [ { name: nmc } ]
        """
    try text.write(toFile: folder + "/twice.yaml", atomically: true, encoding: .utf8)
    for out in ["a", "b"] {
        #expect(
            try runCLI(["run", "--protocol", "twice.yaml", "--data-dir", "data", "--out", out], in: folder).status == 0)
    }
    let (a, b) = ("a/twice/nmc-seed0.h5", "b/twice/nmc-seed0.h5")
    let same = try runCLI(["check", "--identical", a, b], in: folder)
    #expect(same.status == 0 && same.output.contains("identical apart from timings"), "\(same.output)")

    let file = try HDF5File.open(folder + "/" + b, writable: true)
    try file.setAttribute("learner", .string("edited"))
    file.close()
    let changed = try runCLI(["check", "--identical", a, b], in: folder)
    #expect(changed.status == 1 && changed.output.contains("/@learner"), "\(changed.output)")
    let missing = try runCLI(["check", "--identical", a, "nowhere.h5"], in: folder)
    #expect(missing.status == 2 && missing.error.contains("nowhere.h5"), "\(missing.error)")
}

/// `--resume` compares the whole configuration, not only the learner's keys: after editing
/// the `training:` block (or the stream, the backbone, the dataset) a complete file is
/// refused, naming the first differing key, and left as it was.
@Test func resumeAfterTheTrainingBlockChangedIsRefusedNamingTheKey() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    let original = """
        name: edited
        dataset: { name: mnist }
        stream: { kind: class-incremental, classes_per_task: 2 }
        backbone: { kind: mlp, widths: [4] }
        training: { epochs: 1, batch_size: 4, optimizer: sgd, lr: 0.05 }
        learners: [ { name: finetune } ]
        """
    try original.write(toFile: folder + "/edited.yaml", atomically: true, encoding: .utf8)
    let arguments = ["run", "--protocol", "edited.yaml", "--data-dir", "data", "--out", "out", "--resume"]
    #expect(try runCLI(arguments, in: folder).status == 0)
    let path = folder + "/out/edited/finetune-seed0.h5"
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    for edit in [("lr: 0.05", "lr: 0.1", "training"), ("widths: [4]", "widths: [5]", "backbone")] {
        try original.replacingOccurrences(of: edit.0, with: edit.1)
            .write(toFile: folder + "/edited.yaml", atomically: true, encoding: .utf8)
        let edited = try runCLI(arguments, in: folder)
        #expect(edited.status == 2)
        #expect(edited.error.contains("configuration differs in \(edit.2):"), "\(edited.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the complete file was touched")
    }
}

/// A report never averages runs of one label with different configurations: it refuses
/// (exit 2, both files and the key named) unless asked to report them apart; a file named
/// twice (by path and by folder) counts once.
@Test func reportRefusesToAverageDifferentConfigurations() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    let text = """
        name: mixed
        dataset: { name: mnist }
        stream: { kind: class-incremental, classes_per_task: 2 }
        learners: [ { name: nmc } ]
        """
    try text.write(toFile: folder + "/mixed.yaml", atomically: true, encoding: .utf8)
    let run = ["run", "--protocol", "mixed.yaml", "--data-dir", "data", "--out", "out"]
    #expect(try runCLI(run + ["--seed", "0"], in: folder).status == 0)
    let twice = try runCLI(["report", "out/mixed/nmc-seed0.h5", "out/mixed"], in: folder)
    #expect(twice.status == 0 && twice.output.contains("1 complete run(s)"), "\(twice.output)")

    try text.replacingOccurrences(of: "{ name: nmc }", with: "{ name: nmc, metric: euclidean }")
        .write(toFile: folder + "/mixed.yaml", atomically: true, encoding: .utf8)
    #expect(try runCLI(run + ["--seed", "1"], in: folder).status == 0)
    let refused = try runCLI(["report", "out/mixed"], in: folder)
    #expect(refused.status == 2)
    #expect(
        refused.error.contains("nmc-seed0.h5") && refused.error.contains("nmc-seed1.h5")
            && refused.error.contains("learner.config"), "\(refused.error)")
    #expect(try runCLI(["export", "out/mixed"], in: folder).status == 2)
    let apart = try runCLI(["report", "out/mixed", "--split-configurations"], in: folder)
    #expect(apart.status == 0 && apart.output.contains("nmc [configuration 2]"), "\(apart.output)")
}
