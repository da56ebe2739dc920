import CLData
import Foundation
import Testing
@testable import CLResults

/// Two runs never write one file: the second is refused naming the first's pid and host,
/// and the first run's file is left where it is. The lock goes with the run.
@Test func aSecondRunOfTheSameFileIsRefusedNamingTheFirst() throws {
    let path = try ResultsFixtures.completeRun()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let first = try RunLock(resultsPath: path)
    let error = #expect(throws: InputError.self) { _ = try RunLock(resultsPath: path) }
    #expect(error?.file == path)
    #expect(
        error?.message.hasPrefix("another run is writing this file (pid \(getpid()) on \(RunEnvironment.host) since ")
            == true,
        "\(error?.message ?? "no error")")
    // Through the writer, as `cl-bench run` does: refused before the existing file is touched.
    #expect(throws: InputError.self) {
        _ = try ResultsFixtures.completeRun(in: (path as NSString).deletingLastPathComponent)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
    first.release()
    #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    let second = try RunLock(resultsPath: path)  // free again
    second.release()
}
