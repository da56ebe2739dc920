import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Standard output and error written with `write(2)`, because `FileHandle.write` traps on
/// any error (a full device, a closed pipe).
///
/// SIGPIPE is ignored (`SignalDispositions`), so a closed pipe is an EPIPE error here rather
/// than a kill in the middle of an HDF5 write. What follows:
/// - EPIPE on standard output (`cl-bench export | head -1`): the reader has what it wanted.
///   Exit at once and quietly with status 141 (128 + SIGPIPE), the status the shell shows
///   for every Unix tool a closed pipe stops, so `set -o pipefail` scripts see the same
///   thing as with `cat`. A run's results file keeps every completed task (it is flushed
///   after each; HDF5 closes it at exit) and says `running`.
/// - Any other error (`report > /dev/full`): one line on standard error, exit status 2.
/// - Errors writing standard error itself are ignored: there is nowhere left to report them.
enum StandardStreams {
    /// Exit status after a closed pipe on standard output: 128 + SIGPIPE.
    static let brokenPipeStatus: Int32 = 128 + SIGPIPE

    /// Writes `text` to standard output, or exits as described above.
    static func output(_ text: String) {
        if let code = writeAll(text, to: STDOUT_FILENO) {
            if code == EPIPE { exit(brokenPipeStatus) }
            RootCommand.failWithInputError("standard output: cannot write (\(String(cString: strerror(code))))")
        }
    }

    /// Writes `text` to standard error; failures are ignored.
    static func error(_ text: String) {
        _ = writeAll(text, to: STDERR_FILENO)
    }

    /// Writes every byte, retrying short writes and EINTR; returns errno on failure.
    private static func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        var offset = 0
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }
}
