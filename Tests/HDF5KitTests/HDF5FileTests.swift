import Foundation
import Testing
@testable import HDF5Kit

/// A fresh temporary file path for one test.
func temporaryPath(_ name: String) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5kit-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name).path
}

@Test func writesAndReadsEveryScalarTypeWithShape() throws {
    let path = temporaryPath("types.h5")
    do {
        let file = try HDF5File.create(path)
        try file.write([1.5, -2.25, 3, 4, 5, 6] as [Float], shape: [2, 3], at: "/a/floats")
        try file.write([Double.pi, -1e300], shape: [2], at: "/a/b/doubles", compression: 4)
        try file.write([Int32.min, 0, Int32.max], shape: [3], at: "/ints")
        try file.write([UInt8](0...255), shape: [16, 16], at: "/bytes", compression: 9)
        try file.write([Int64.max], shape: [1], at: "/longs")
        file.close()
    }
    let file = try HDF5File.open(path)
    let floats = try file.read(Float.self, at: "/a/floats")
    #expect(floats.values == [1.5, -2.25, 3, 4, 5, 6] && floats.shape == [2, 3])
    #expect(try file.read(Double.self, at: "/a/b/doubles").values == [Double.pi, -1e300])
    #expect(try file.read(Int32.self, at: "/ints").values == [Int32.min, 0, Int32.max])
    let bytes = try file.read(UInt8.self, at: "/bytes")
    #expect(bytes.values == [UInt8](0...255) && bytes.shape == [16, 16])
    #expect(try file.read(Int64.self, at: "/longs").values == [Int64.max])
    #expect(try file.members(of: "/") == ["a", "bytes", "ints", "longs"])
    #expect(try file.members(of: "/a") == ["b", "floats"])
    // Conversion on read: ints read as doubles.
    #expect(try file.read(Double.self, at: "/ints").values == [Double(Int32.min), 0, Double(Int32.max)])
}

@Test func fixedDatasetIsFilledWithNaNUntilRowsAreWritten() throws {
    let path = temporaryPath("rows.h5")
    let file = try HDF5File.create(path)
    try file.createDataset(Double.self, shape: [3, 2], at: "/eval/matrix")
    try file.writeRows([0.5, 0.25], startingAt: 1, at: "/eval/matrix")
    let matrix = try file.read(Double.self, at: "/eval/matrix").values
    #expect(matrix[0].isNaN && matrix[1].isNaN && matrix[4].isNaN && matrix[5].isNaN)
    #expect(matrix[2] == 0.5 && matrix[3] == 0.25)
    // Rows past the end of a fixed-size dataset are an error, not a crash.
    #expect(throws: HDF5Error.self) { try file.writeRows([1, 2], startingAt: 3, at: "/eval/matrix") }
    // Values that are not whole rows are an error.
    #expect(throws: HDF5Error.self) { try file.writeRows([1, 2, 3], startingAt: 0, at: "/eval/matrix") }
}

@Test func extendableDatasetGrowsByAppendedRows() throws {
    let path = temporaryPath("append.h5")
    let file = try HDF5File.create(path)
    try file.createDataset(Float.self, shape: [0, 3], at: "/curve", extendable: true, chunkRows: 4, compression: 1)
    for step in 0..<10 {
        try file.append([Float(step), Float(step) * 2, -1], at: "/curve")
    }
    try file.flush()
    let curve = try file.read(Float.self, at: "/curve")
    #expect(curve.shape == [10, 3])
    let firstColumn = stride(from: 0, to: 30, by: 3).map { curve.values[$0] }
    let secondColumn = stride(from: 1, to: 30, by: 3).map { curve.values[$0] }
    #expect(firstColumn == (0..<10).map { Float($0) })
    #expect(secondColumn == (0..<10).map { Float(2 * $0) })
}

@Test func attributesRoundTripAndReplace() throws {
    let path = temporaryPath("attributes.h5")
    do {
        let file = try HDF5File.create(path)
        try file.createGroup("/metrics")
        try file.setAttribute("schema", .string("cl-bench/1"))
        try file.setAttribute("status", .string("running"))
        try file.setAttribute("status", .string("complete"))  // replaced, not duplicated
        try file.setAttribute("unicode", .string("Σ ± — ü"))
        try file.setAttribute("seed", .integer(1993))
        try file.setAttribute("forgetting", .double(.nan), at: "/metrics")
        try file.setAttribute("bwt", .double(-0.75), at: "/metrics")
    }
    let file = try HDF5File.open(path)
    #expect(try file.attribute("schema") == .string("cl-bench/1"))
    #expect(try file.attribute("status") == .string("complete"))
    #expect(try file.attribute("unicode") == .string("Σ ± — ü"))
    #expect(try file.attribute("seed") == .integer(1993))
    #expect(try file.attribute("missing") == nil)
    #expect(try file.attribute("bwt", at: "/metrics")?.doubleValue == -0.75)
    #expect(try file.attribute("forgetting", at: "/metrics")?.doubleValue?.isNaN == true)
    #expect(try file.attributeNames() == ["schema", "seed", "status", "unicode"])
    #expect(try file.attributeNames(at: "/metrics") == ["bwt", "forgetting"])
    #expect(throws: HDF5Error.self) { try file.setAttribute("x", .integer(1)) }  // read-only
}

@Test func badFilesAreErrorsNamingTheFile() throws {
    #expect(throws: HDF5Error.self) { try HDF5File.open("/nonexistent/folder/file.h5") }
    let notHDF5 = temporaryPath("text.h5")
    try "hello".write(toFile: notHDF5, atomically: true, encoding: .utf8)
    do {
        _ = try HDF5File.open(notHDF5)
        Issue.record("opening a text file as HDF5 should fail")
    } catch let error as HDF5Error {
        #expect(error.description.contains(notHDF5) && error.description.contains("not an HDF5 file"))
    }
    #expect(throws: HDF5Error.self) { try HDF5File.create("/proc/forbidden.h5") }
    let file = try HDF5File.create(temporaryPath("x.h5"))
    #expect(throws: HDF5Error.self) { try file.read(Float.self, at: "/absent") }
    #expect(throws: HDF5Error.self) { try file.write([1, 2, 3] as [Float], shape: [2], at: "/wrong") }
}

/// h5py is the reader users' scripts use; when it is installed, it must read what we write.
@Test(.enabled(if: pythonWithH5py() != nil, "needs Debian's python3-h5py (make test installs it)"))
func h5pyReadsTheFileWhenAvailable() throws {
    // Debian's python3-h5py (installed by `make test`) lives under /usr/bin/python3.
    let python = try #require(pythonWithH5py())

    let path = temporaryPath("h5py.h5")
    do {
        let file = try HDF5File.create(path)
        try file.setAttribute("schema", .string("cl-bench/1"))
        try file.createDataset(Double.self, shape: [2, 2], at: "/eval/accuracy_matrix")
        try file.writeRows([0.5, 0.25], startingAt: 1, at: "/eval/accuracy_matrix")
    }
    let script = """
        import h5py, math
        f = h5py.File('\(path)', 'r')
        assert f.attrs['schema'] == 'cl-bench/1', f.attrs['schema']
        m = f['eval/accuracy_matrix'][()]
        assert m.shape == (2, 2) and math.isnan(m[0, 0]) and m[1, 0] == 0.5 and m[1, 1] == 0.25
        print('ok')
        """
    let check = Process()
    check.executableURL = URL(fileURLWithPath: python)
    check.arguments = ["-c", script]
    let output = Pipe()
    check.standardOutput = output
    try check.run()
    check.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(check.terminationStatus == 0 && text.contains("ok"))
}

/// h5py (which takes HDF5's file lock by default) reads a file that is still open for
/// writing, as a running `cl-bench run` holds its results file: created, and reopened for
/// writing (a resumed run).
@Test(.enabled(if: pythonWithH5py() != nil, "needs Debian's python3-h5py (make test installs it)"))
func h5pyReadsAFileStillOpenForWriting() throws {
    let python = try #require(pythonWithH5py())
    let path = temporaryPath("running.h5")
    func h5pyStatus() throws -> (status: Int32, output: String) {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import h5py\nf = h5py.File('\(path)', 'r')\nprint(f.attrs['status'])"]
        var environment = ProcessInfo.processInfo.environment
        environment["HDF5_USE_FILE_LOCKING"] = nil  // h5py's default: lock
        check.environment = environment
        let output = Pipe(), errors = Pipe()
        check.standardOutput = output
        check.standardError = errors
        try check.run()
        check.waitUntilExit()
        return (
            check.terminationStatus,
            String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }
    let created = try HDF5File.create(path)
    try created.setAttribute("status", .string("running"))
    try created.flush()
    let whileCreated = try h5pyStatus()
    #expect(whileCreated.status == 0 && whileCreated.output.contains("running"), "\(whileCreated.output)")
    created.close()
    let reopened = try HDF5File.open(path, writable: true)
    try reopened.setAttribute("status", .string("resumed"))
    try reopened.flush()
    let whileReopened = try h5pyStatus()
    #expect(whileReopened.status == 0 && whileReopened.output.contains("resumed"), "\(whileReopened.output)")
    reopened.close()
}

/// A Python interpreter that can import h5py: Debian's first, then the one on PATH.
func pythonWithH5py() -> String? {
    var candidates = ["/usr/bin/python3"]
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        candidates.append("\(folder)/python3")
    }
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: candidate)
        probe.arguments = ["-c", "import h5py"]
        probe.standardError = FileHandle.nullDevice
        probe.standardOutput = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { continue }
        probe.waitUntilExit()
        if probe.terminationStatus == 0 { return candidate }
    }
    return nil
}
