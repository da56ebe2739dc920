import CLResults
import Foundation
import HDF5Kit
import Testing

/// Runs the built `cl-bench` binary (next to the test bundle in .build/<config>/).
struct CommandResult { var status: Int32; var output: String; var error: String }

func cliBinary() -> URL {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("cl-bench").path) && folder.path != "/"
    {
        folder = folder.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("cl-bench")
}

func runCLI(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws
    -> CommandResult
{
    let process = Process()
    process.executableURL = cliBinary()
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
        error: String(decoding: error, as: UTF8.self))
}

func scratchFolder() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The shared MNIST files, when this checkout sits next to ../shared (as in CI).
/// (#filePath is <checkout>/Tests/CLBenchCLITests/CommandLineTests.swift.)
func sharedDatasets() -> String? {
    var folder = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { folder = folder.deletingLastPathComponent() }
    let shared = folder.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
    return FileManager.default.fileExists(atPath: shared + "/mnist") ? shared : nil
}

/// Writes a tiny IDX dataset: `classes` classes, `perClass` 2x2 images each, pixel 0 = 25 * label.
func writeTinyIDX(to folder: String, classes: Int = 10, perClass: Int = 6, corruptTrainingLabels: Bool = false) throws {
    func idx(_ magic: UInt8, dims: [Int], payload: [UInt8]) -> Data {
        var data = Data([0, 0, 8, magic])
        for d in dims { withUnsafeBytes(of: UInt32(d).bigEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: payload)
        return data
    }
    for (prefix, count) in [("train", perClass), ("t10k", perClass / 2)] {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for c in 0..<classes {
            for k in 0..<count {
                pixels += [UInt8(25 * c), UInt8(k), 0, 255]
                // A degraded learner's view: half of each class's training samples carry the next class's label.
                let wrong = corruptTrainingLabels && prefix == "train" && k % 2 == 0
                labels.append(UInt8(wrong ? (c + 1) % classes : c))
            }
        }
        try idx(3, dims: [labels.count, 2, 2], payload: pixels).write(
            to: URL(fileURLWithPath: "\(folder)/\(prefix)-images-idx3-ubyte"))
        try idx(1, dims: [labels.count], payload: labels).write(
            to: URL(fileURLWithPath: "\(folder)/\(prefix)-labels-idx1-ubyte"))
    }
}

private let tinyProtocol = """
    name: tiny
    dataset: { name: mnist }
    stream: { kind: class-incremental, classes_per_task: 5 }
    learners: [ { name: nmc }, { name: nmc, label: nmc-euclidean, metric: euclidean } ]
    seeds: [0, 1]
    """

@Test func runWritesOneResultsFilePerLearnerAndSeed() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out"], in: folder)
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("task 2/2"))
    for name in ["nmc-seed0", "nmc-seed1", "nmc-euclidean-seed0", "nmc-euclidean-seed1"] {
        let record = try ResultsReader.read("\(folder)/out/tiny/\(name).h5")
        #expect(record.status == "complete")
        #expect(record.metrics["final_accuracy"] == 1)  // the classes are separable by pixel 0
    }
    // --learner and --seed select.
    let selected = try runCLI(
        [
            "run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "sel", "--learner", "nmc-euclidean",
            "--seed", "7",
        ], in: folder)
    #expect(selected.status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/sel/tiny") == ["nmc-euclidean-seed7.h5"])
}

/// Bad input: one line on standard error naming the file, exit status 2.
@Test(arguments: [
    ("missing.yaml", "missing.yaml"),
    ("bad-key.yaml", "bad-key.yaml:2: epochs: unknown key"),
    ("unknown-learner.yaml", "unknown learner 'magic'"),
    ("no-data.yaml", "empty/mnist: dataset 'mnist' not found: put train-images-idx3-ubyte.gz"),
])
func badInputIsOneLineAndExitStatus2(file: String, expected: String) throws {
    let folder = scratchFolder()
    try "name: a\nepochs: 3\n".write(toFile: folder + "/bad-key.yaml", atomically: true, encoding: .utf8)
    try tinyProtocol.replacingOccurrences(of: "name: nmc }", with: "name: magic }")
        .write(toFile: folder + "/unknown-learner.yaml", atomically: true, encoding: .utf8)
    try tinyProtocol.write(toFile: folder + "/no-data.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", file, "--data-dir", folder + "/empty"], in: folder)
    #expect(result.status == 2)
    let lines = result.error.split(separator: "\n")
    #expect(lines.count == 1, "\(result.error)")
    #expect(result.error.contains(expected), "\(result.error)")
    #expect(result.error.contains(file) || file == "no-data.yaml")  // a missing dataset names the data folder
    #expect(!FileManager.default.fileExists(atPath: folder + "/results"))
}

/// The convolution path is recorded, and can be chosen for bit-for-bit reproduction.
@Test func convolutionKernelsAreRecordedAndAnUnknownChoiceIsExitStatus2() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let chosen = try runCLI(
        [
            "run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out", "--seed", "0",
            "--learner", "nmc",
        ], in: folder, environment: ["CL_BENCH_CONV_KERNELS": "im2col"])
    #expect(chosen.status == 0, "\(chosen.error)")
    #expect(try ResultsReader.read("\(folder)/out/tiny/nmc-seed0.h5").convolutionKernels == "im2col")
    let unknown = try runCLI(["list"], environment: ["CL_BENCH_CONV_KERNELS": "sse"])
    #expect(unknown.status == 2)
    #expect(unknown.error.split(separator: "\n").count == 1)
    #expect(unknown.error.contains("CL_BENCH_CONV_KERNELS=sse is not one of auto, avx512, avx2, im2col"))
}

@Test func unknownLearnerOnTheCommandLineIsExitStatus2() throws {
    let folder = scratchFolder()
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "tiny.yaml", "--learner", "teen"], in: folder)
    #expect(result.status == 2)
    #expect(result.error.contains("the protocol has no learner 'teen'"))
}

@Test func unwritableOutputFolderIsExitStatus2() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(
        ["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "/proc/not-writable"], in: folder)
    #expect(result.status == 2, "\(result.error)")
    #expect(result.error.contains("/proc/not-writable"))
}

@Test func listShowsLearnersAndTheirHyperparameters() throws {
    let result = try runCLI(["list"])
    #expect(result.status == 0)
    #expect(result.output.contains("nmc") && result.output.contains("metric: one of cosine, euclidean = cosine"))
}

@Test(.enabled(if: sharedDatasets() != nil, "needs ../shared/datasets beside the checkout"))
func splitMNISTOnRealDataWhenTheSharedFolderIsPresent() throws {
    let shared = try #require(sharedDatasets())
    let folder = scratchFolder()
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root = root.deletingLastPathComponent() }
    let result = try runCLI([
        "run", "--protocol", root.path + "/Protocols/split-mnist.yaml", "--data-dir", shared,
        "--out", folder, "--seed", "0",
    ])
    #expect(result.status == 0, "\(result.error)")
    let record = try ResultsReader.read(folder + "/split-mnist/nmc-seed0.h5")
    // NMC on raw pixels, cosine: about 0.82 final pooled accuracy on Split-MNIST.
    #expect((0.75...0.9).contains(record.metrics["final_accuracy"] ?? 0))
    #expect((0.0...0.2).contains(record.metrics["forgetting"] ?? -1))
}

@Test func checkPassesOnTheRealLearnerAndFailsOnADegradedOne() throws {
    let folder = scratchFolder()
    for (name, corrupt) in [("good", false), ("degraded", true)] {
        try FileManager.default.createDirectory(atPath: "\(folder)/\(name)/mnist", withIntermediateDirectories: true)
        try writeTinyIDX(to: "\(folder)/\(name)/mnist", perClass: 8, corruptTrainingLabels: corrupt)
    }
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    #expect(
        try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "good", "--out", "real"], in: folder).status == 0)
    #expect(
        try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "degraded", "--out", "worse"], in: folder).status
            == 0)
    let written = try runCLI(["baseline", "write", "real/tiny", "--out", "baseline.yaml"], in: folder)
    #expect(written.status == 0, "\(written.error)")

    let pass = try runCLI(["check", "--baseline", "baseline.yaml", "real/tiny"], in: folder)
    #expect(pass.status == 0, "\(pass.output)\(pass.error)")
    let fail = try runCLI(["check", "--baseline", "baseline.yaml", "worse/tiny"], in: folder)
    #expect(fail.status == 1, "\(fail.output)\(fail.error)")
    #expect(fail.output.contains("REGRESSED"))

    try "protocol: tiny\nlearners:\n  nmc:\n    final_acc: { expected: 1, tolerance: 0 }\n".write(
        toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
    let bad = try runCLI(["check", "--baseline", "bad.yaml", "real/tiny"], in: folder)
    #expect(bad.status == 2)
    #expect(bad.error.contains("bad.yaml") && bad.error.contains("final_acc"))
}

@Test func reportShowsMeanAndStdOverSeeds() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    #expect(
        try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out"], in: folder).status == 0)
    let report = try runCLI(["report", "out/tiny"], in: folder)
    #expect(report.status == 0)
    #expect(report.output.contains("nmc-euclidean") && report.output.contains("final_accuracy"))
    let html = try runCLI(["report", "out", "--format", "html", "--out", "page.html"], in: folder)
    #expect(html.status == 0, "\(html.error)")
    let page = try String(contentsOfFile: folder + "/page.html", encoding: .utf8)
    #expect(page.contains("<svg") && !page.contains("<script"))
    let csv = try runCLI(["export", "out", "--format", "csv"], in: folder)
    #expect(csv.output.hasPrefix("protocol,learner,seed,status,kind,key,row,column,value"))
}

@Test func truncatedDatasetFileIsOneLineNamingTheFile() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    let images = folder + "/data/mnist/train-images-idx3-ubyte"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
    try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: images))
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out"], in: folder)
    #expect(result.status == 2)
    #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    #expect(result.error.contains("train-images-idx3-ubyte"), "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/out"))
}

/// Users' scripts read results with h5py: every name of the `cl-bench/1` schema must be
/// there, with the documented shapes (checked when Debian's python3-h5py is installed,
/// as `make test` does).
@Test(
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs /usr/bin/python3 with h5py"))
func h5pyReadsEveryNameOfTheSchema() throws {
    let python = "/usr/bin/python3"
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    #expect(
        try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out", "--seed", "0"], in: folder)
            .status == 0)
    let script = """
        import sys
        try:
            import h5py
        except ImportError:
            print('skip'); sys.exit(0)
        import math
        f = h5py.File(sys.argv[1], 'r')
        for a in ['schema', 'status', 'protocol_yaml', 'protocol_name', 'learner', 'learner_config', 'seed',
                  'started_at', 'finished_at', 'harness_version', 'git_commit', 'host', 'blas_core',
                  'blas_threads', 'peak_rss_bytes', 'conv_kernels']:
            assert a in f.attrs, a
        assert f.attrs['conv_kernels'] in ('avx512', 'avx2', 'im2col'), f.attrs['conv_kernels']
        assert f.attrs['schema'] == 'cl-bench/1' and f.attrs['status'] == 'complete'
        T, C = 2, 10
        shapes = {'stream/class_order': (C,), 'stream/task_classes': (T, 5), 'stream/train_counts': (T,),
                  'stream/test_counts': (T,), 'eval/accuracy_matrix': (T + 1, T), 'eval/pooled_accuracy': (T,),
                  'eval/per_class_accuracy': (T, C), 'eval/old_new_errors': (T, 3),
                  'timing/train_seconds': (T,), 'timing/eval_seconds': (T,)}
        for name, shape in shapes.items():
            assert f[name].shape == shape, (name, f[name].shape)
        assert f['eval/accuracy_matrix'].dtype == 'float64' and f['stream/class_order'].dtype == 'int32'
        for key in ['final_accuracy', 'average_incremental_accuracy', 'forgetting', 'bwt', 'forgetting_pycil',
                    'forgetting_avalanche', 'bwt_all_pairs', 'fwt', 'plasticity', 'final_task_mean_accuracy']:
            assert key in f['metrics'].attrs, key
        assert f['metrics'].attrs['final_accuracy'] == 1.0
        print('ok')
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script, folder + "/out/tiny/nmc-seed0.h5"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0 && (text.contains("ok") || text.contains("skip")), "\(text)")
}

/// `cl-bench report` reads results files that a running `cl-bench run` (another process)
/// still holds open for writing, and lists them as running instead of failing.
@Test func reportReadsAFileThatAnotherProcessIsWriting() throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/data/mnist", withIntermediateDirectories: true)
    try writeTinyIDX(to: folder + "/data/mnist")
    try tinyProtocol.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
    #expect(
        try runCLI(["run", "--protocol", "tiny.yaml", "--data-dir", "data", "--out", "out", "--seed", "0"], in: folder)
            .status == 0)
    // Hold one results file open for writing, as a run in progress does.
    let path = folder + "/out/tiny/nmc-seed0.h5"
    let writer = try HDF5File.open(path, writable: true)
    try writer.setAttribute("status", .string("running"))
    try writer.flush()
    let report = try runCLI(["report", "out/tiny"], in: folder)
    writer.close()
    #expect(report.status == 0, "\(report.error)")
    #expect(report.output.contains("running"))
}

@Test(arguments: [["report", "empty"], ["export", "empty"], ["baseline", "write", "empty", "--out", "b.yaml"]])
func commandsOnAFolderWithoutResultsAreExitStatus2(arguments: [String]) throws {
    let folder = scratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
    let result = try runCLI(arguments, in: folder)
    #expect(result.status == 2)
    #expect(result.error.contains("empty: no results files (*.h5) found"), "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/b.yaml"))
}
