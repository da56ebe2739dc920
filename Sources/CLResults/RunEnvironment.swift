import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Facts about the machine and build that every results file records.
public enum RunEnvironment {
    /// Version of the harness, recorded as `harness_version`.
    public static let harnessVersion = "0.1.0"
    /// The results schema this build writes and reads.
    public static let schema = "cl-bench/1"

    /// Host name.
    public static var host: String { ProcessInfo.processInfo.hostName }

    /// The commit of the working tree the tool runs from (`git rev-parse HEAD` in the
    /// current folder), `CL_BENCH_GIT_COMMIT` when set, else "unknown".
    public static let gitCommit: String = {
        if let fixed = ProcessInfo.processInfo.environment["CL_BENCH_GIT_COMMIT"], !fixed.isEmpty { return fixed }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }()

    /// Peak resident memory of this process so far, in bytes.
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // Linux reports kilobytes
    }

    /// Now, as ISO 8601 with seconds and time zone.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Seconds since an arbitrary fixed point, for measuring durations.
    public static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
