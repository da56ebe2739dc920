import CLLearners
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Signals whose default action kills the process in the middle of a write, ignored so
/// that the write fails with an error instead and the caller can leave its files readable
/// and say what happened in one line:
/// - SIGPIPE (a closed pipe) becomes EPIPE, see `StandardStreams`;
/// - SIGXFSZ (a file-size limit, `ulimit -f`) becomes EFBIG: the HDF5 write fails, the run
///   marks its results file failed where it still can, and exits with status 2.
/// Inherited across the BLAS re-exec, which is harmless: the child sets the same.
enum SignalDispositions {
    static func ignoreWriteSignals() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// For `run`: the first SIGINT or SIGTERM (Ctrl-C, `kill`, Slurm pre-emption) asks the run
    /// to stop at the next safe point (`RunInterruption`), so the file says `interrupted` and
    /// keeps every completed task; a second one exits at once (status 130 or 143), leaving
    /// the file as it was after its last completed task. Other commands keep the default:
    /// they have nothing to save.
    static func stopRunsGracefully() {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // Two signals close together may arrive as one event with a count of 2.
                if RunInterruption.requested != nil || source.data >= 2 {
                    StandardStreams.error("cl-bench: \(name) again: stopping now\n")
                    _exit(128 + number)
                }
                RunInterruption.request(by: name)
                StandardStreams.error(
                    "cl-bench: \(name): stopping at the next safe point (send it again to stop at once)\n")
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The exit status for a run stopped by `signal`: 128 + its number, as a shell reports it.
    static func exitStatus(for signal: String) -> Int32 { 128 + (signal == "SIGTERM" ? SIGTERM : SIGINT) }
}
