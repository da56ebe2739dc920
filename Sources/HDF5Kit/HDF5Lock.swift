import Foundation

/// Debian's HDF5 is the serial build, which is not thread-safe: every call into the
/// library goes through this one recursive lock (tests run in parallel, and a learner may
/// log from a background thread).
enum HDF5Lock {
    static let shared = NSRecursiveLock()
}
