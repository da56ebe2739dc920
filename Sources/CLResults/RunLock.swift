import Foundation
import HDF5Kit
#if canImport(Glibc)
    import Glibc
#endif

/// An advisory lock that one run holds on its results file for as long as it writes it:
/// `flock` on `<results file>.lock`, which records the holder's pid, host and start time.
/// A second run of the same file is refused with a message naming the first, instead of
/// HDF5's "cannot create HDF5 file" (or, worse, moving the first run's file aside).
/// The kernel drops the lock when the holder dies, even by kill -9, so a stale lock file
/// never blocks anyone.
public final class RunLock {
    public let lockPath: String
    private var descriptor: Int32

    /// Takes the lock for `resultsPath`, or throws an `InputError` naming the holder.
    public init(resultsPath: String) throws {
        lockPath = resultsPath + ".lock"
        while true {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw InputError(
                    file: lockPath, "cannot create the run's lock file (\(String(cString: strerror(errno))))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = Self.contents(of: fd)
                close(fd)
                throw InputError(
                    file: resultsPath,
                    "another run is writing this file (\(holder.isEmpty ? "holder unknown" : holder)); "
                        + "wait for it to finish, or write elsewhere with --out")
            }
            // The holder before us may have removed the file between our open and our lock:
            // then we locked a file nobody else will see. Lock the one at the path instead.
            var opened = stat(), atPath = stat()
            if fstat(fd, &opened) == 0, stat(lockPath, &atPath) == 0, opened.st_ino == atPath.st_ino,
                opened.st_dev == atPath.st_dev
            {
                descriptor = fd
                break
            }
            close(fd)
        }
        let record = "pid \(getpid()) on \(RunEnvironment.host) since \(RunEnvironment.timestamp())"
        _ = ftruncate(descriptor, 0)
        _ = record.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Releases the lock and removes the lock file (idempotent).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(lockPath)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func contents(of fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = pread(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }
}
