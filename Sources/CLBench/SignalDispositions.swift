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
}
