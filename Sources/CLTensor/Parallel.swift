import CBLAS
import Dispatch
import Foundation

/// Splitting batch work across cores.
///
/// Why not leave threading to OpenBLAS: the GEMMs of a small CNN are small and skinny
/// (16 × 1024 × 144 per image for a ResNet-20 stage-1 conv), and OpenBLAS's threads spend
/// much of their time spinning in `sched_yield` between such calls. Splitting the batch
/// into one contiguous block of images per worker, each running single-threaded GEMMs
/// plus its own im2col and element loops, keeps every core busy. The split depends only
/// on the batch size and the worker count, and partial sums are added in worker order, so
/// results are bit-identical for a fixed thread count.
public enum Parallel {
    /// Number of workers; defaults to OpenBLAS's thread count (OPENBLAS_NUM_THREADS or the
    /// number of cores), so one variable controls both.
    nonisolated(unsafe) public static var workerCount = max(1, configuredBLASThreads)

    /// OpenBLAS's thread count at start-up: the default worker count.
    static let configuredBLASThreads = Int(openblas_get_num_threads())

    /// Calls `body(worker, range)` for `workerCount` contiguous ranges covering 0..<count
    /// (fewer when count is small), concurrently, with OpenBLAS single-threaded meanwhile.
    public static func forEachBlock(of count: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        let workers = min(workerCount, count)
        if workers <= 1 {
            body(0, 0..<count)
            return
        }
        enterRegion()
        defer { leaveRegion() }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(worker, blockRange(worker, of: workers, count: count))
        }
    }

    /// Calls `body` on contiguous ranges covering 0..<count, concurrently when the work is
    /// large enough to repay waking the workers (element-wise passes over feature maps,
    /// which otherwise leave a core idle between the parallel convolutions).
    static func forEachRange(of count: Int, minimumPerWorker: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, count / minimumPerWorker)
        if workers <= 1 {
            body(0..<count)
            return
        }
        // No OpenBLAS inside, so its thread count is left alone. Not every pass gains: the
        // residual add + ReLU split this way made a ResNet-20 step slower (385 -> 430 CPU ms,
        // cause not found), so it stays serial; measure before using this for a new loop.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(blockRange(worker, of: workers, count: count))
        }
    }

    /// Runs `body` with OpenBLAS single-threaded (a region of one worker).
    ///
    /// Why: once OpenBLAS has run a call on several threads, its idle threads spin in
    /// `sched_yield` for about 2^28 cycles, taking a core away from our own workers. In a
    /// ResNet training step only the tiny head GEMMs ran threaded, and the spinning cost 4%
    /// of all CPU samples (`perf record`, 2 threads).
    static func singleThreadedBLAS<Result>(_ body: () -> Result) -> Result {
        enterRegion()
        defer { leaveRegion() }
        return body()
    }

    /// Parallel regions may overlap when several threads train at once (parallel tests):
    /// OpenBLAS is made single-threaded by the first region to enter and restored only by
    /// the last to leave, so no region ever sees its GEMMs change thread count midway.
    ///
    /// The count restored is the one the first region found, read when it enters. (It used
    /// to be a lazily read constant: when the first access came after a region had set one
    /// thread, OpenBLAS stayed single-threaded for the rest of the process, so a resumed run,
    /// whose first calls differ, computed with another thread count than an uninterrupted one
    /// and was not bit-identical on two threads.)
    private static let regionLock = NSLock()
    nonisolated(unsafe) private static var activeRegions = 0
    nonisolated(unsafe) private static var threadsOutsideRegions: Int32 = 1

    static func enterRegion() {
        regionLock.lock()
        if activeRegions == 0 {
            threadsOutsideRegions = openblas_get_num_threads()
            openblas_set_num_threads(1)
        }
        activeRegions += 1
        regionLock.unlock()
    }

    static func leaveRegion() {
        regionLock.lock()
        activeRegions -= 1
        if activeRegions == 0 { openblas_set_num_threads(threadsOutsideRegions) }
        regionLock.unlock()
    }

    /// The worker's share of 0..<count: sizes differ by at most one.
    static func blockRange(_ worker: Int, of workers: Int, count: Int) -> Range<Int> {
        let base = count / workers, extra = count % workers
        let start = worker * base + min(worker, extra)
        return start..<(start + base + (worker < extra ? 1 : 0))
    }
}
