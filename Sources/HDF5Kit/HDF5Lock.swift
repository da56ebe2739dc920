import CHDF5
import Foundation

/// Every call into the HDF5 library goes through this one recursive lock: Debian's
/// serial build must not be entered from two threads at once (tests run in parallel, and
/// a learner may log from a background thread). HDF5 keeps its automatic error printing
/// per thread, so it is switched off on whichever thread enters: failures come back as
/// `HDF5Error`, never as a stack dump on standard error.
enum HDF5Lock {
    private static let shared = NSRecursiveLock()

    static func enter() {
        shared.lock()
        H5Eset_auto2(cb_h5e_default(), nil, nil)
    }

    static func leave() { shared.unlock() }
}
