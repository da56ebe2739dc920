import ArgumentParser
import CLData
import CLEval
import CLLearners
import Foundation
import CLTensor
import HDF5Kit

BLASStartup.ensureFastKernel()
// An unknown or unsupported CL_BENCH_CONV_KERNELS is an error, not a silent fallback.
do {
    _ = try DirectConvolution.configured(environment: ProcessInfo.processInfo.environment)
} catch {
    CLBench.failWithInputError("\(error)")
}

/// Bad input ends with one line on standard error and exit status 2; usage errors too.
do {
    var command = try CLBench.parseAsRoot()
    try command.run()
} catch let error as InputError {
    CLBench.failWithInputError(error.description)
} catch let error as HDF5Error {
    CLBench.failWithInputError(error.description)
} catch let error as HyperparameterError {
    CLBench.failWithInputError(error.description)
} catch {
    let code = CLBench.exitCode(for: error)
    if code == .validationFailure {
        FileHandle.standardError.write((CLBench.fullMessage(for: error) + "\n").data(using: .utf8)!)
        Foundation.exit(2)
    }
    CLBench.exit(withError: error)
}
