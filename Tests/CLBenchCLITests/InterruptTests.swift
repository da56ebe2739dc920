import CLResults
import Foundation
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// A folder with the tiny IDX dataset and a protocol whose five tasks each train for a
/// couple of seconds (a one-layer MLP, many epochs of three batches).
private func slowRunFolder() throws -> String {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try """
    name: slow
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 2 }
    backbone: { kind: mlp, widths: [16] }
    training: { epochs: 6000, batch_size: 4, optimizer: sgd, lr: 0.05, schedule: constant }
    learners: [ { name: finetune } ]
    """.write(toFile: folder + "/slow.yaml", atomically: true, encoding: .utf8)
    return folder
}

/// Starts `cl-bench run` on the slow protocol, waits until it has finished its first task,
/// sends `signals` (one after the other), and returns the exit status and standard error.
private func interruptedRun(in folder: String, signals: [Int32]) throws -> (
    status: Int32, reason: Process.TerminationReason, error: String
) {
    let process = Process()
    process.executableURL = cliBinary()
    process.arguments = ["run", "--protocol", "slow.yaml", "--data-dir", "data", "--out", "out"]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let log = folder + "/run.log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    let error = Pipe()
    process.standardError = error
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, process.isRunning,
        !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("task 1/5")
    {
        Thread.sleep(forTimeInterval: 0.05)
    }
    for signal in signals { kill(process.processIdentifier, signal) }
    let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason, text)
}

/// SIGINT or SIGTERM (Slurm's pre-emption): the run stops at the next safe point, the file
/// says interrupted and keeps its completed tasks (report reads it), and the last line names
/// the file and the command that continues it.
@Test(arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
func aSignalStopsTheRunAtASafePointNamingTheResumeCommand(signal: Int32, name: String) throws {
    let folder = try slowRunFolder()
    let result = try interruptedRun(in: folder, signals: [signal])
    #expect(result.reason == .exit && result.status == 128 + signal, "\(result.status): \(result.error)")
    let lines = result.error.split(separator: "\n").map(String.init)
    #expect(lines.first == "cl-bench: \(name): stopping at the next safe point (send it again to stop at once)")
    let last = lines.last ?? ""
    #expect(last.hasPrefix("cl-bench: interrupted by \(name): out/slow/finetune-seed0.h5 keeps "), "\(last)")
    #expect(last.hasSuffix(" run --protocol slow.yaml --data-dir data --out out --resume"), "\(last)")
    let record = try ResultsReader.read(folder + "/out/slow/finetune-seed0.h5")
    #expect(record.status == "interrupted")
    #expect(record.pooledAccuracy.count >= 1 && record.pooledAccuracy.count < 5)
    #expect(last.contains("keeps \(record.pooledAccuracy.count) of 5 tasks (status interrupted)"), "\(last)")
    let report = try runCLI(["report", "out/slow"], in: folder)
    #expect(report.status == 0 && report.output.contains("interrupted"), "\(report.error)")
}

/// A second SIGINT does not wait for the safe point: exit 130 at once, and the file still
/// reads. The batches here are slow (a 4096-wide MLP on 28x28 inputs), so the second
/// signal lands while the run is between safe points.
@Test func aSecondSIGINTExitsAtOnceLeavingAReadableFile() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeIDXImages(to: folder + "/data/mnist", side: 28, perClass: 32)
    try """
    name: heavy
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 2 }
    backbone: { kind: mlp, widths: [4096, 4096] }
    training: { epochs: 50, batch_size: 64, optimizer: sgd, lr: 0.01, schedule: constant }
    learners: [ { name: finetune } ]
    """.write(toFile: folder + "/heavy.yaml", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = cliBinary()
    process.arguments = ["run", "--protocol", "heavy.yaml", "--data-dir", "data", "--out", "out"]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let log = folder + "/run.log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    let errors = folder + "/run.err"
    _ = FileManager.default.createFile(atPath: errors, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
    try process.run()
    func waitFor(_ text: String, in path: String) {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning,
            !((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains(text)
        {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
    waitFor("finetune · seed 0", in: log)
    Thread.sleep(forTimeInterval: 0.5)  // into the first batches
    kill(process.processIdentifier, SIGINT)
    waitFor("stopping at the next safe point", in: errors)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
    #expect(
        process.terminationReason == .exit && process.terminationStatus == 130, "\(process.terminationStatus): \(text)")
    #expect(text.contains("cl-bench: SIGINT again: stopping now"), "\(text)")
    #expect(try ResultsReader.read(folder + "/out/heavy/finetune-seed0.h5").status == "running")
}

/// An IDX dataset of `side` x `side` images, ten classes of `perClass` samples, in train and test.
func writeIDXImages(to folder: String, side: Int, perClass: Int) throws {
    func idx(_ magic: UInt8, dims: [Int], payload: [UInt8]) -> Data {
        var data = Data([0, 0, 8, magic])
        for d in dims { withUnsafeBytes(of: UInt32(d).bigEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: payload)
        return data
    }
    let count = 10 * perClass
    let labels = (0..<count).map { UInt8($0 % 10) }
    let pixels = (0..<(count * side * side)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
    for prefix in ["train", "t10k"] {
        try idx(3, dims: [count, side, side], payload: pixels).write(
            to: URL(fileURLWithPath: "\(folder)/\(prefix)-images-idx3-ubyte"))
        try idx(1, dims: [count], payload: labels).write(
            to: URL(fileURLWithPath: "\(folder)/\(prefix)-labels-idx1-ubyte"))
    }
}
