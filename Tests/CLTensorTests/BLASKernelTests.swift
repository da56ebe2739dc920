import Testing
@testable import CLTensor

private let skylakeFlags: Set<String> = ["fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]

@Test func recommendsByCPUFlags() {
    #expect(BLASKernel.recommendedCoreType(cpuFlags: skylakeFlags) == "SkylakeX")
    // AMD with AVX-512 (Zen 4, recognised by sse4a): Haswell kernels measured faster.
    #expect(BLASKernel.recommendedCoreType(cpuFlags: skylakeFlags.union(["sse4a"])) == "Haswell")
    #expect(BLASKernel.recommendedCoreType(cpuFlags: ["fma", "avx2"]) == "Haswell")
    #expect(BLASKernel.recommendedCoreType(cpuFlags: ["sse2"]) == nil)
}

@Test func parsesTheFlagsLineOfCPUInfo() {
    let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma avx512f\nbugs\t: none\n"
    #expect(BLASKernel.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "fma", "avx512f"])
    #expect(BLASKernel.cpuFlags(cpuinfo: "") == [])
}

@Test func forcesACoreTypeOnlyOnFallbackAndWhenTheUserHasNotChosen() {
    #expect(
        BLASKernel.coreTypeToForce(currentKernel: "Prescott", environment: [:], cpuFlags: skylakeFlags) == "SkylakeX")
    #expect(BLASKernel.coreTypeToForce(currentKernel: "Cooperlake", environment: [:], cpuFlags: skylakeFlags) == nil)
    // On AMD, OpenBLAS's own AVX-512 choice is replaced by the measured-faster Haswell kernels.
    let amd = skylakeFlags.union(["sse4a"])
    #expect(BLASKernel.coreTypeToForce(currentKernel: "Cooperlake", environment: [:], cpuFlags: amd) == "Haswell")
    #expect(BLASKernel.coreTypeToForce(currentKernel: "SkylakeX", environment: [:], cpuFlags: amd) == "Haswell")
    #expect(BLASKernel.coreTypeToForce(currentKernel: "Haswell", environment: [:], cpuFlags: amd) == nil)
    #expect(
        BLASKernel.coreTypeToForce(
            currentKernel: "Prescott", environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: skylakeFlags) == nil)
    #expect(
        BLASKernel.coreTypeToForce(
            currentKernel: "Prescott", environment: ["CL_BENCH_NO_BLAS_FIX": "1"], cpuFlags: skylakeFlags) == nil)
    #expect(
        BLASKernel.coreTypeToForce(
            currentKernel: "Prescott", environment: ["CL_BENCH_BLAS_REEXEC": "1"], cpuFlags: skylakeFlags) == nil)
    #expect(BLASKernel.coreTypeToForce(currentKernel: "Prescott", environment: [:], cpuFlags: ["sse2"]) == nil)
}

@Test func reportsTheKernelInUse() {
    #expect(!BLASKernel.current.isEmpty && BLASKernel.current != "unknown")
    #expect(BLASKernel.threads >= 1)
}

/// A single-threaded region gives OpenBLAS back the thread count it found, whatever came
/// first in the process (a lazily read start-up count once left it at one thread for good,
/// so a resumed run computed with another thread count than an uninterrupted one).
@Test func aRegionRestoresTheThreadCountItFound() {
    let before = BLASKernel.threads
    defer { BLASKernel.setThreads(before) }
    for outside in Set([1, before]) {
        BLASKernel.setThreads(outside)
        let inside = Parallel.singleThreadedBLAS { BLASKernel.threads }
        #expect(inside == 1)
        #expect(BLASKernel.threads == outside)
    }
}
