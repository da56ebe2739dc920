import CBLAS
#if canImport(Glibc)
    import Glibc
#endif

/// Which OpenBLAS kernel is in use, and which one this CPU should use.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs (for example AMD Zen 4 and
/// Intel Sapphire Rapids) and silently falls back to its "Prescott" kernel, about 5x
/// slower. OpenBLAS reads `OPENBLAS_CORETYPE` only when the library loads, so the fix is
/// to re-execute the process once with the variable set (see `cl-bench`'s entry point).
public enum BLASKernel {
    /// The kernel name OpenBLAS chose, e.g. "SkylakeX", "Haswell" or "Prescott".
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Number of threads OpenBLAS uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of OpenBLAS threads (results are bit-identical only at a fixed count).
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// Kernels that mean OpenBLAS did not recognise the CPU and fell back.
    public static let fallbackKernels: Set<String> = [
        "Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
        "unknown",
    ]

    /// The `OPENBLAS_CORETYPE` to force for a CPU with these `/proc/cpuinfo` flags:
    /// "SkylakeX" for Intel CPUs with AVX-512 (F, BW, VL, DQ, CD), "Haswell" for any other
    /// CPU with AVX2 and FMA (including AMD CPUs with AVX-512), else nil.
    ///
    /// Why Haswell on AMD even with AVX-512: measured on an AMD EPYC (Zen 4) with
    /// OpenBLAS 0.3.21, the SkylakeX kernels are no faster on large square SGEMM (both
    /// ~105 GFLOP/s on one core, ~180 on two) and markedly slower on the small, skinny
    /// products of convolution layers (one thread: 16×1024×144 47 vs 85 GFLOP/s;
    /// 144×1024×16 with Aᵀ 55 vs 81; 16×144×1024 with Bᵀ 36 vs 71). Zen 4 executes
    /// 512-bit instructions as two 256-bit halves, so AVX-512 kernels gain no width,
    /// while Haswell's small-matrix paths are better tuned. AMD is recognised by
    /// `sse4a`, an extension only AMD implements.
    public static func recommendedCoreType(cpuFlags: Set<String>) -> String? {
        let avx512: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        let isAMD = cpuFlags.contains("sse4a")
        if avx512.isSubset(of: cpuFlags) && !isAMD { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The `OPENBLAS_CORETYPE` to force by re-executing, or nil to leave OpenBLAS as it is:
    /// only when OpenBLAS fell back to a slow kernel (or picked AVX-512 kernels on AMD), the
    /// user has not chosen one, the fix is not disabled (`CL_BENCH_NO_BLAS_FIX=1`) and this is
    /// not already the re-executed process.
    public static func coreTypeToForce(currentKernel: String, environment: [String: String], cpuFlags: Set<String>)
        -> String?
    {
        guard environment["OPENBLAS_CORETYPE"] == nil,
            environment["CL_BENCH_NO_BLAS_FIX"] != "1",
            environment["CL_BENCH_BLAS_REEXEC"] == nil,
            let recommended = recommendedCoreType(cpuFlags: cpuFlags),
            recommended != currentKernel
        else { return nil }
        if fallbackKernels.contains(currentKernel) { return recommended }
        // OpenBLAS's own AVX-512 pick on AMD is slower than Haswell on convolution-shaped
        // products (see `recommendedCoreType`).
        if recommended == "Haswell" && ["SkylakeX", "Cooperlake", "SapphireRapids"].contains(currentKernel) {
            return recommended
        }
        return nil
    }

    /// The flags line of `/proc/cpuinfo` as a set (empty where the file does not exist).
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }
}
