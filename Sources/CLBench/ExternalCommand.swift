import Foundation

/// Runs a program found on PATH (sbatch, squeue, sacct) and captures its output. Nil
/// when the program is not installed, so callers can tell "no Slurm here" from a failure.
enum ExternalCommand {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    static func locate(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func run(_ program: String, _ arguments: [String], input: String? = nil) -> Result? {
        guard let executable = locate(program) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        do { try process.run() } catch { return Result(status: -1, output: "", error: "\(error)") }
        if let input {
            inputPipe.fileHandleForWriting.write(input.data(using: .utf8)!)
            try? inputPipe.fileHandleForWriting.close()
        }
        // Read stderr on another thread so that neither pipe can fill up and block the child.
        let errorData = ErrorOutput()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Standard error, filled by the reading thread before `group.wait()` returns.
    private final class ErrorOutput: @unchecked Sendable { var data = Data() }

    /// The path of the running `cl-bench` binary, which the generated jobs call.
    static var currentExecutable: String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// `text` quoted for a POSIX shell.
    static func shellQuoted(_ text: String) -> String {
        if !text.isEmpty, text.range(of: "^[A-Za-z0-9_./=:,+-]+$", options: .regularExpression) != nil { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
