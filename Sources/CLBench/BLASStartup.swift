import CLTensor
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Makes sure OpenBLAS runs its fast kernel.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs (this project's AMD EPYC with
/// AVX-512 among them) and falls back to "Prescott", several times slower. OpenBLAS picks
/// its kernel when the library loads, before `main`, so the only fix is to set
/// `OPENBLAS_CORETYPE` and re-execute the same binary once. A user's own
/// `OPENBLAS_CORETYPE` is always respected; `CL_BENCH_NO_BLAS_FIX=1` disables the fix.
enum BLASStartup {
    static func ensureFastKernel() {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard
            let coreType = BLASKernel.coreTypeToForce(
                currentKernel: BLASKernel.current,
                environment: ProcessInfo.processInfo.environment,
                cpuFlags: BLASKernel.cpuFlags(cpuinfo: cpuinfo))
        else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        setenv("CL_BENCH_BLAS_REEXEC", "1", 1)
        let arguments = CommandLine.arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure: carry on with the slow kernel rather than stop.
        StandardStreams.error(
            "cl-bench: warning: could not re-execute with OPENBLAS_CORETYPE=\(coreType); "
                + "BLAS runs its slow '\(BLASKernel.current)' kernel\n"
        )
    }
}
