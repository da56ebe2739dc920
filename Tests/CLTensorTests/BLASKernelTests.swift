import Testing
@testable import CLTensor

@Suite struct BLASKernelTests {
    @Test func coreTypeChoice() {
        let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        #expect(BLASKernel.recommendedCoreType(cpuFlags: avx512) == "SkylakeX")
        // AMD with AVX-512 (Zen 4): Haswell kernels measured faster.
        #expect(BLASKernel.recommendedCoreType(cpuFlags: avx512.union(["sse4a"])) == "Haswell")
        #expect(BLASKernel.recommendedCoreType(cpuFlags: ["avx2", "fma"]) == "Haswell")
        #expect(BLASKernel.recommendedCoreType(cpuFlags: ["sse2"]) == nil)
        #expect(BLASKernel.cpuFlags(cpuinfo: "vendor_id\t: X\nflags\t\t: fpu avx2 fma\n") == ["fpu", "avx2", "fma"])
    }
}
