import Foundation
import HDF5Kit
import Testing

/// The one-node Slurm cluster that `.ci/start-slurm.sh` brings up (CI runs it as root
/// before `make test`). Without it, the test below shows as skipped.
enum OneNodeSlurm {
    static func run(_ program: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `sinfo` answers and the node can take jobs.
    static let isUp: Bool = {
        let answer = run("sinfo", ["--noheader", "--format=%T"])
        return answer.status == 0 && ["idle", "mixed", "allocated"].contains { answer.output.contains($0) }
    }()

    /// Array tasks of `job` still queued or running.
    static func liveTasks(of job: String) -> [String: String] {
        var tasks: [String: String] = [:]
        for line in run("squeue", ["--noheader", "--array", "--jobs", job, "--format=%i|%T"]).output.split(
            separator: "\n")
        {
            let fields = line.split(separator: "|").map(String.init)
            if fields.count == 2 { tasks[fields[0]] = fields[1] }
        }
        return tasks
    }

    static func waitUntil(_ seconds: Double, _ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { throw TimedOut(what: what) }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}

private let fashionMNIST = "/usr/share/datasets/fashion-mnist"

/// Split-Fashion-MNIST: nmc with a two-value grid, and a small MLP finetune that takes
/// long enough (several seconds a task) to be killed half-way.
private let smokeProtocol = """
    name: sweep-smoke
    dataset: { name: fashion-mnist }
    stream: { kind: class-incremental, initial_classes: 2, classes_per_task: 2 }
    backbone: { kind: identity }
    training: { epochs: 2, batch_size: 128, optimizer: sgd, lr: 0.05 }
    learners:
      - { name: nmc }
      - { name: finetune, backbone: { kind: mlp, widths: [128] }, training: { epochs: 8 } }
    seeds: [0]
    """

private let smokeSweep = """
    name: smoke
    protocols: [sweep-smoke.yaml]
    seeds: [0, 1]
    grid: { nmc: { metric: [cosine, euclidean] } }
    resources: { cpus: 1, memory: 1G, time: "0:15:00" }
    """

private func resultsFile(_ path: String) -> (status: String, completedTasks: Int)? {
    guard let file = try? HDF5File.open(path) else { return nil }
    defer { file.close() }
    let status = (try? file.attribute("status"))??.stringValue ?? ""
    let completed = Int((try? file.attribute("completed_tasks"))??.integerValue ?? 0)
    return (status, completed)
}

/// The sweep end to end on a real Slurm: one job array, one array task killed with
/// scancel half-way and requeued, the sweep finishes, status says all complete, report
/// merges every run, and repeating the sweep submits nothing.
@Test(
    .enabled(if: OneNodeSlurm.isUp, "needs the one-node Slurm of .ci/start-slurm.sh (run it as root)"),
    .enabled(if: FileManager.default.fileExists(atPath: fashionMNIST), "needs Debian's dataset-fashion-mnist"),
    .timeLimit(.minutes(5)))
func slurmSweepSurvivesAKilledTaskAndIsSafeToRepeat() throws {
    let folder = scratchFolder()
    try smokeProtocol.write(toFile: folder + "/sweep-smoke.yaml", atomically: true, encoding: .utf8)
    try smokeSweep.write(toFile: folder + "/smoke.yaml", atomically: true, encoding: .utf8)

    let submitted = try runCLI(["sweep", "smoke.yaml", "--executor", "slurm", "-j", "2", "--out", "out"], in: folder)
    #expect(submitted.status == 0, "\(submitted.error)")
    #expect(submitted.output.contains("6 array tasks"), "\(submitted.output)")
    let submissions = try String(contentsOfFile: folder + "/out/sweeps/smoke/jobs.tsv", encoding: .utf8)
        .split(separator: "\n").filter { !$0.hasPrefix("#") }
    try #require(submissions.count == 1)
    let fields = submissions[0].split(separator: "\t").map(String.init)
    let job = fields[0]
    let victimRun = "sweep-smoke/finetune-seed0"
    let index = try #require(fields[2].split(separator: ",").firstIndex(of: Substring(victimRun)))
    let victimTask = "\(job)_\(index)"
    let victimFile = folder + "/out/\(victimRun).h5"

    // Half-way: the run has finished at least one task of five but not all.
    try OneNodeSlurm.waitUntil(150, "\(victimRun) to finish its first task") {
        guard let file = resultsFile(victimFile) else { return false }
        return file.status == "running" && file.completedTasks >= 1
    }
    let before = try #require(resultsFile(victimFile))
    #expect(before.completedTasks < 5, "the run finished before it could be killed half-way")
    #expect(OneNodeSlurm.run("scancel", [victimTask]).status == 0)
    try OneNodeSlurm.waitUntil(60, "\(victimTask) to leave the queue") {
        OneNodeSlurm.liveTasks(of: job)[victimTask] == nil
    }

    let killed = try runCLI(["sweep", "status", "smoke.yaml", "--out", "out"], in: folder)
    #expect(killed.status == 0, "\(killed.error)")
    let victimLine = killed.output.split(separator: "\n").first { $0.hasPrefix(victimRun + " ") }.map(String.init) ?? ""
    #expect(victimLine.contains("interrupted"), "\(killed.output)")
    // scancel sends SIGTERM (the run stops at a safe point: interrupted) and SIGKILL after
    // KillWait (the file stays as after its last task: running).
    #expect(
        ["running", "interrupted"].contains(resultsFile(victimFile)?.status ?? ""),
        "a killed run's file keeps its completed tasks")

    let requeue = OneNodeSlurm.run("scontrol", ["requeue", victimTask])
    #expect(requeue.status == 0, "\(requeue.output)")
    // Slurm holds a requeued task cred_expire + 1 s before starting it again (the test
    // cluster sets cred_expire = 10 s; the default is 120 s). Forcing an earlier start fails
    // with "Job credential revoked" (seen in slurmctld.log), so the test waits for it.
    try OneNodeSlurm.waitUntil(30, "\(victimTask) to be queued again") {
        OneNodeSlurm.liveTasks(of: job)[victimTask] != nil
    }
    try OneNodeSlurm.waitUntil(240, "job \(job) to finish") { OneNodeSlurm.liveTasks(of: job).isEmpty }

    let status = try runCLI(["sweep", "status", "smoke.yaml", "--out", "out"], in: folder)
    #expect(
        status.output.contains("6 runs · complete 6 · running 0 · interrupted 0 · failed 0 · not started 0"),
        "\(status.output)")
    let log = (try? String(contentsOfFile: folder + "/out/sweeps/smoke/logs/\(victimTask).log", encoding: .utf8)) ?? ""
    // finetune is Resumable: the requeued task continues from its checkpoint.
    #expect(log.contains("continuing after its task"), "the requeued task ran with --resume: \(log)")

    let report = try runCLI(["report", "out/sweep-smoke"], in: folder)
    #expect(report.status == 0, "\(report.error)")
    for learner in ["nmc-metric-cosine", "nmc-metric-euclidean", "finetune"] {
        #expect(report.output.contains(learner), "\(report.output)")
    }
    #expect(report.output.contains("6 complete run(s), 0 running or failed"), "\(report.output)")

    let again = try runCLI(["sweep", "smoke.yaml", "--executor", "slurm", "--out", "out"], in: folder)
    #expect(again.status == 0 && again.output.contains("nothing to submit"), "\(again.output)")
    let after = try String(contentsOfFile: folder + "/out/sweeps/smoke/jobs.tsv", encoding: .utf8)
        .split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(after.count == 1, "repeating a finished sweep submitted a job")
}
