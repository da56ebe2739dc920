#if canImport(Glibc)
    import Glibc
#endif

/// Keeps glibc's allocator from returning large blocks to the kernel.
///
/// Why: every operation allocates its result (a few MB for a batch of CIFAR feature maps).
/// By default glibc serves blocks above 128 KiB with `mmap` and unmaps them on `free`, so
/// each training step page-faults and zero-fills hundreds of MB afresh (about 15% of a
/// ResNet-20 step in the profile). Raising the mmap threshold and disabling trimming lets
/// freed blocks be reused from the heap, so the steady state allocates without faulting.
/// Applied once, on the first recorded operation; harmless for other code in the process.
enum AllocatorTuning {
    static let applied: Bool = {
        #if os(Linux)
            // <malloc.h> constants (not exported by the Glibc module).
            let (trimThreshold, topPad, mmapThreshold): (Int32, Int32, Int32) = (-1, -2, -3)
            // 32 MiB is glibc's upper limit on 64-bit systems (larger values are rejected);
            // a batch of CIFAR feature maps is at most 8 MiB.
            _ = glibcMallopt(mmapThreshold, 32 * 1024 * 1024)
            _ = glibcMallopt(trimThreshold, Int32.max)
            _ = glibcMallopt(topPad, 64 * 1024 * 1024)
        #endif
        return true
    }()
}

#if os(Linux)
    /// glibc's `int mallopt(int param, int value)`, declared here because the Glibc module
    /// does not include <malloc.h>.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
