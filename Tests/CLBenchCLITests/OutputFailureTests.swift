import CLResults
import Foundation
import HDF5Kit
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// Runs the CLI with standard output going to `output` (a file handle or a pipe);
/// returns the exit status and standard error.
private func runCLI(_ arguments: [String], in directory: String, standardOutput output: Any) throws -> (
    status: Int32, error: String
) {
    let process = Process()
    process.executableURL = cliBinary()
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let text = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: text, as: UTF8.self))
}

/// A folder with the tiny IDX dataset, its protocol and one complete run (out/tiny).
private func folderWithResults() throws -> String {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try """
    name: tiny
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 5 }
    learners: [ { name: nmc } ]
    """.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let run = try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out"], in: folder)
    #expect(run.status == 0, "\(run.error)")
    return folder
}

/// A pipe whose reading end is already closed: the first write gets EPIPE (or SIGPIPE).
private func closedPipe() -> Pipe {
    let pipe = Pipe()
    try? pipe.fileHandleForReading.close()
    return pipe
}

private let hasDevFull = FileManager.default.fileExists(atPath: "/dev/full")

/// `report > /dev/full`, `export > /dev/full`, `run > /dev/full`: one line naming standard
/// output, exit status 2 (FileHandle.write used to trap).
@Test(
    .enabled(if: hasDevFull, "needs /dev/full"),
    arguments: [
        ["report", "out/tiny"], ["report", "out/tiny", "--format", "html"], ["export", "out/tiny"],
        ["check", "--baseline", "baseline.yaml", "out/tiny"],
        ["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "again"],
    ])
func fullDeviceOnStandardOutputIsOneLineAndExitStatus2(arguments: [String]) throws {
    let folder = try folderWithResults()
    #expect(try runCLI(["baseline", "write", "out/tiny", "--out", "baseline.yaml"], in: folder).status == 0)
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    let result = try runCLI(arguments, in: folder, standardOutput: full)
    #expect(result.status == 2, "\(result.error)")
    #expect(
        result.error == "cl-bench: error: standard output: cannot write (No space left on device)\n", "\(result.error)")
}

/// `export | head -1` with the reader gone: quiet exit with 128 + SIGPIPE, as `cat` gives.
@Test(arguments: [
    ["export", "out/tiny"], ["report", "out/tiny"],
    ["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "again"],
])
func closedPipeOnStandardOutputExitsQuietlyWithTheSIGPIPEStatus(arguments: [String]) throws {
    let folder = try folderWithResults()
    let result = try runCLI(arguments, in: folder, standardOutput: closedPipe())
    #expect(result.status == 141, "\(result.error)")
    #expect(result.error.isEmpty, "\(result.error)")
}

/// `export --out` onto a FIFO writes into it (as `>` would) instead of renaming a regular
/// file over it; onto a symlink it replaces the link's target and keeps the link.
@Test func exportOutOntoAFIFOOrASymlinkKeepsThem() throws {
    let folder = try folderWithResults()
    let fifo = folder + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let reader = open(fifo, O_RDONLY | O_NONBLOCK)  // a reader must exist before the writer opens
    defer { close(reader) }
    let intoFIFO = try runCLI(["export", "out/tiny", "--out", "fifo"], in: folder)
    #expect(intoFIFO.status == 0, "\(intoFIFO.error)")
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    let count = read(reader, &buffer, buffer.count)
    #expect(
        count > 0 && String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).hasPrefix("protocol,learner,seed"))
    var info = stat()
    #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")

    try "old".write(toFile: folder + "/target.csv", atomically: true, encoding: .utf8)
    #expect(symlink("target.csv", folder + "/link.csv") == 0)
    let throughLink = try runCLI(["export", "out/tiny", "--out", "link.csv"], in: folder)
    #expect(throughLink.status == 0, "\(throughLink.error)")
    #expect(lstat(folder + "/link.csv", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "the symlink was replaced")
    #expect(try String(contentsOfFile: folder + "/target.csv", encoding: .utf8).hasPrefix("protocol,learner,seed"))

    let ontoFolder = try runCLI(["export", "out/tiny", "--out", "out"], in: folder)
    #expect(ontoFolder.status == 2 && ontoFolder.error.contains("out: is a folder"), "\(ontoFolder.error)")
}

/// `export --out` onto a character device (a private copy of /dev/null made with mknod in
/// the scratch folder: major 1, minor 3, so a regression cannot replace the real one) writes into it and
/// leaves it a device. Needs root for mknod; skipped otherwise.
@Test(.enabled(if: getuid() == 0, "mknod needs root")) func exportOutOntoADeviceKeepsIt() throws {
    let folder = try folderWithResults()
    let device = folder + "/null"
    #expect(mknod(device, S_IFCHR | 0o666, (1 << 8) | 3) == 0, "mknod: \(String(cString: strerror(errno)))")
    let intoDevice = try runCLI(["export", "out/tiny", "--out", "null"], in: folder)
    #expect(intoDevice.status == 0, "\(intoDevice.error)")
    var info = stat()
    #expect(lstat(device, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "the device was replaced by a regular file")
}

/// An enormous but finite timing (1e300 s, a clock gone wrong) is a valid file: every report
/// format renders it without trapping on the conversion to whole seconds.
@Test func enormousTimingsRenderInEveryReportFormat() throws {
    let folder = try folderWithResults()
    let file = try HDF5File.open(folder + "/out/tiny/nmc-seed0.h5", writable: true)
    try file.writeRows([1e300], startingAt: 0, at: "/timing/train_seconds")
    file.close()
    for format in ["text", "markdown", "html"] {
        let report = try runCLI(["report", "out/tiny", "--format", format], in: folder)
        #expect(report.status == 0 && !report.output.isEmpty, "\(format): \(report.error)")
    }
}

/// A damaged results file makes report, export and check stop with one line naming the
/// file and the dataset (they used to trap on a negative completed_tasks).
@Test(arguments: ["report", "export", "check"])
func damagedResultsFileIsOneLineForEveryReadingCommand(command: String) throws {
    let folder = try folderWithResults()
    #expect(try runCLI(["baseline", "write", "out/tiny", "--out", "baseline.yaml"], in: folder).status == 0)
    let file = try HDF5File.open(folder + "/out/tiny/nmc-seed0.h5", writable: true)
    try file.setAttribute("completed_tasks", .integer(-5))
    file.close()
    let arguments = command == "check" ? ["check", "--baseline", "baseline.yaml", "out/tiny"] : [command, "out/tiny"]
    let result = try runCLI(arguments, in: folder)
    #expect(result.status == 2)
    #expect(
        result.error
            == "cl-bench: error: out/tiny/nmc-seed0.h5: attribute completed_tasks: -5 is outside 0 ... 2 "
            + "(the stream has 2 tasks)\n",
        "\(result.error)")
}

/// An MLP of 10¹¹ units used to abort on allocation; now one line and exit 2 before any work.
@Test func absurdMLPWidthIsRefusedBeforeAllocating() throws {
    let folder = try folderWithResults()
    try """
    name: huge
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 5 }
    backbone: { kind: mlp, widths: [100000000000] }
    learners: [ { name: finetune } ]
    """.write(toFile: folder + "/huge.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "huge.yaml", "--data-dir", "data", "--out", "out"], in: folder)
    #expect(result.status == 2)
    #expect(
        result.error.hasPrefix(
            "cl-bench: error: huge.yaml: learners[0] (finetune) backbone mlp widths [100000000000] needs at least"),
        "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/out/huge"))
}

/// `cl-bench run` on a file another run holds: one line naming that run, exit 2, and the
/// existing results file untouched (it used to say "cannot create HDF5 file").
@Test func runOnAFileAnotherRunIsWritingIsRefused() throws {
    let folder = try folderWithResults()
    let path = folder + "/out/tiny/nmc-seed0.h5"
    let lock = try RunLock(resultsPath: path)
    defer { lock.release() }
    let result = try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out"], in: folder)
    #expect(result.status == 2)
    #expect(
        result.error.hasPrefix(
            "cl-bench: error: out/tiny/nmc-seed0.h5: another run is writing this file (pid \(getpid()) on "),
        "\(result.error)")
    #expect(try ResultsReader.read(path).isComplete)
    #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
}

/// A file-size limit reached during a run (`ulimit -f`): SIGXFSZ used to kill the run, and
/// with it ignored HDF5's exit handler segfaulted. Now one line with the system's reason
/// and exit status 2.
@Test(.enabled(if: FileManager.default.fileExists(atPath: "/bin/bash"), "needs bash for ulimit"))
func fileSizeLimitDuringARunIsOneLineAndExitStatus2() throws {
    let folder = try folderWithResults()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [
        "-c", "ulimit -f 8; exec \"$0\" run --protocol tiny.yaml --data-dir data --out limited", cliBinary().path,
    ]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let error = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = error
    try process.run()
    let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(
        process.terminationReason == .exit && process.terminationStatus == 2, "\(process.terminationStatus): \(text)")
    #expect(text == "cl-bench: error: limited/tiny/nmc-seed0.h5: HDF5 failed to flush (File too large)\n", "\(text)")
}
