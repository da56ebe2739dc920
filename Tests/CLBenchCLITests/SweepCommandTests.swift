import CLResults
import Foundation
import HDF5Kit
import Testing

/// The tiny IDX dataset, a two-learner protocol and a sweep with an nmc grid, in a scratch folder.
private func sweepFolder() throws -> String {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try """
    name: tiny
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 5 }
    learners: [ { name: nmc }, { name: nmc, label: nmc-euclidean, metric: euclidean } ]
    seeds: [0]
    """.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    try """
    name: tiny-grid
    protocols: [tiny.yaml]
    learners: [nmc]
    seeds: [0, 1]
    grid: { nmc: { metric: [cosine, euclidean] } }
    resources: { cpus: 1, memory: 1G, time: "0:10:00", partition: debug }
    """.write(toFile: folder + "/grid.yaml", atomically: true, encoding: .utf8)
    return folder
}

@Test func dryRunPrintsOneJobArrayAndWritesNothing() throws {
    let folder = try sweepFolder()
    let result = try runCLI(
        ["sweep", "grid.yaml", "--executor", "slurm", "-j", "3", "--dry-run", "--out", "out", "--data-dir", "data"],
        in: folder)
    #expect(result.status == 0, "\(result.error)")
    let script = result.output
    for line in [
        "#SBATCH --array=0-3%3", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120", "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem=1G", "#SBATCH --time=0:10:00", "#SBATCH --partition=debug",
        "#SBATCH --job-name=cl-bench-tiny-grid",
        "#SBATCH --output=\(folder)/out/sweeps/tiny-grid/logs/%A_%a.log",
        "3) run=(--protocol out/sweeps/tiny-grid/protocols/tiny.yaml --learner nmc-metric-euclidean --seed 1) "
            + ";;  # tiny/nmc-metric-euclidean-seed1",
        "scontrol requeue",
    ] {
        #expect(script.contains(line), "missing \(line) in\n\(script)")
    }
    #expect(script.contains(" run \"${run[@]}\" --out \(folder)/out --data-dir \(folder)/data --resume &"), "\(script)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/out"), "--dry-run wrote files")
}

@Test func localSweepRunsWhatIsNotCompleteAndIsSafeToRepeat() throws {
    let folder = try sweepFolder()
    let first = try runCLI(
        ["sweep", "grid.yaml", "--executor", "local", "-j", "2", "--out", "out", "--data-dir", "data"], in: folder)
    #expect(first.status == 0, "\(first.output)\(first.error)")
    #expect(first.output.contains("4 runs finished, 0 failed"), "\(first.output)")
    #expect(first.output.contains("4/4 done"), "no progress line: \(first.output)")
    let status = try runCLI(["sweep", "status", "grid.yaml", "--out", "out"], in: folder)
    #expect(
        status.output.contains("4 runs · complete 4 · running 0 · interrupted 0 · failed 0 · not started 0"),
        "\(status.output)")
    // The generated protocol and the run list are in the sweep's folder.
    let runList = try String(contentsOfFile: folder + "/out/sweeps/tiny-grid/runs.tsv", encoding: .utf8)
    #expect(
        runList.contains("tiny/nmc-metric-cosine-seed1\tout/sweeps/tiny-grid/protocols/tiny.yaml\tnmc-metric-cosine\t1")
    )

    let again = try runCLI(
        ["sweep", "grid.yaml", "--executor", "local", "--out", "out", "--data-dir", "data"], in: folder)
    #expect(again.output.contains("nothing to run (all 4 runs complete)"), "\(again.output)")

    // A failed run and a missing one: status counts them, the next sweep runs exactly those two.
    let failed = folder + "/out/tiny/nmc-metric-cosine-seed0.h5"
    let file = try HDF5File.open(failed, writable: true)
    try file.setAttribute("status", .string("failed"))
    file.close()
    try FileManager.default.removeItem(atPath: folder + "/out/tiny/nmc-metric-euclidean-seed1.h5")
    let broken = try runCLI(["sweep", "status", "grid.yaml", "--out", "out"], in: folder)
    #expect(
        broken.output.contains("complete 2 · running 0 · interrupted 0 · failed 1 · not started 1"),
        "\(broken.output)")
    let repair = try runCLI(
        ["sweep", "grid.yaml", "--executor", "local", "--out", "out", "--data-dir", "data"], in: folder)
    #expect(repair.output.contains("2 of 4 runs to do (2 complete)"), "\(repair.output)")
    let log = try String(
        contentsOfFile: folder + "/out/sweeps/tiny-grid/logs/tiny__nmc-metric-cosine-seed0.log", encoding: .utf8)
    #expect(log.contains("is failed; restarting it from the first task"), "\(log)")
    let final = try runCLI(["sweep", "status", "grid.yaml", "--out", "out"], in: folder)
    #expect(final.output.contains("complete 4"), "\(final.output)")
}

@Test func runResumeSkipsCompleteFilesAndRestartsOthers() throws {
    let folder = try sweepFolder()
    let arguments = ["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out", "--resume"]
    #expect(try runCLI(arguments, in: folder).status == 0)
    let path = folder + "/out/tiny/nmc-euclidean-seed0.h5"
    let file = try HDF5File.open(path, writable: true)
    try file.setAttribute("status", .string("running"))
    file.close()
    let second = try runCLI(arguments, in: folder)
    #expect(second.status == 0, "\(second.error)")
    #expect(
        second.output.contains("nmc · seed 0: out/tiny/nmc-seed0.h5 is complete, skipped (--resume)"),
        "\(second.output)")
    #expect(
        second.output.contains("out/tiny/nmc-euclidean-seed0.h5 is running; restarting it from the first task"),
        "\(second.output)")
    #expect(RunState.ofResultsFile(at: path) == .complete)
}

@Test(arguments: [
    (["sweep", "nowhere.yaml", "--executor", "local"], "cl-bench: error: nowhere.yaml: cannot read the sweep file"),
    (
        ["sweep", "bad.yaml", "--executor", "slurm", "--dry-run"],
        "cl-bench: error: bad.yaml:3: grid.nmc.metric: nmc: expected one of cosine, euclidean, got manhattan"
    ),
    (["sweep", "status", "bad.yaml"], "cl-bench: error: bad.yaml:3: grid.nmc.metric"),
    (["sweep", "grid.yaml", "--executor", "local", "-j", "0"], "-j 0: needs at least 1"),
])
func badSweepInputIsOneLineAndExitStatus2(arguments: [String], message: String) throws {
    let folder = try sweepFolder()
    try "name: bad\nprotocols: [tiny.yaml]\ngrid: { nmc: { metric: [manhattan] } }\n".write(
        toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(arguments, in: folder)
    #expect(result.status == 2)
    #expect(result.error.contains(message), "\(result.error)")
    if message.hasPrefix("cl-bench: error:") {  // option errors come with ArgumentParser's usage lines
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
}
