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
    public static let fallbackKernels: Set<String> = ["Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "unknown"]

    /// The `OPENBLAS_CORETYPE` to force for a CPU with these `/proc/cpuinfo` flags:
    /// "SkylakeX" with AVX-512 (F, BW, VL, DQ, CD), "Haswell" with AVX2 and FMA, else nil.
    public static func recommendedCoreType(cpuFlags: Set<String>) -> String? {
        let avx512: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        if avx512.isSubset(of: cpuFlags) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The `OPENBLAS_CORETYPE` to force by re-executing, or nil to leave OpenBLAS as it is:
    /// only when OpenBLAS fell back to a slow kernel, the user has not chosen one, the
    /// fix is not disabled (`CL_BENCH_NO_BLAS_FIX=1`) and this is not already the re-executed process.
    public static func coreTypeToForce(currentKernel: String, environment: [String: String], cpuFlags: Set<String>) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil,
              environment["CL_BENCH_NO_BLAS_FIX"] != "1",
              environment["CL_BENCH_BLAS_REEXEC"] == nil,
              fallbackKernels.contains(currentKernel) else { return nil }
        return recommendedCoreType(cpuFlags: cpuFlags)
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
