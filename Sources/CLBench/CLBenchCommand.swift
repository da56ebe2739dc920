import ArgumentParser
import CLData
import CLLearners
import CLTensor
import Foundation
import HDF5Kit

/// The whole `cl-bench` command line as a function, so that a researcher's own Swift
/// package can add learners without forking:
///
/// ```swift
/// import CLBench
/// CLBenchCommand.main(learners: [MyLearner.self])
/// ```
///
/// The `cl-bench` executable of this package is `CLBenchCommand.main()`.
public enum CLBenchCommand {
    /// Runs the command line with the built-in learners plus `learners`, then exits.
    /// Bad input ends with one line on standard error and exit status 2.
    public static func main(learners: [any Learner.Type] = [], arguments: [String]? = nil) -> Never {
        SignalDispositions.ignoreWriteSignals()
        BLASStartup.ensureFastKernel()
        // An unknown or unsupported CL_BENCH_CONV_KERNELS is an error, not a silent fallback.
        do {
            _ = try DirectConvolution.configured(environment: ProcessInfo.processInfo.environment)
        } catch {
            RootCommand.failWithInputError("\(error)")
        }
        do {
            for type in learners { try LearnerRegistry.register(type) }
            var command = try RootCommand.parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let interrupted as RunInterrupted {
            StandardStreams.error("cl-bench: \(interrupted); continue with: \(ResumeCommandLine.suggestion())\n")
            exitSkippingHDF5Termination(SignalDispositions.exitStatus(for: interrupted.signal))
        } catch let error as InputError {
            RootCommand.failWithInputError(error.description)
        } catch let error as HDF5Error {
            RootCommand.failWithInputError(error.description)
        } catch let error as HyperparameterError {
            RootCommand.failWithInputError(error.description)
        } catch let error as LearnerRegistry.RegistrationError {
            RootCommand.failWithInputError(error.description)
        } catch {
            let code = RootCommand.exitCode(for: error)
            if code == .validationFailure {
                StandardStreams.error(RootCommand.fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            RootCommand.exit(withError: error)
        }
    }
}

/// The `cl-bench` command and its subcommands.
struct RootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cl-bench",
        abstract: "Continual-learning benchmark harness: run protocols, report and check results.",
        discussion:
            "Start with: cl-bench run --protocol Protocols/quickstart.yaml, then cl-bench report results/quickstart",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ReportCommand.self, ExportCommand.self, CheckCommand.self, BaselineCommand.self,
            ListCommand.self, DataCommand.self, SweepCommand.self,
        ])

    /// Prints `message` as one line and exits with status 2 (bad input).
    static func failWithInputError(_ message: String) -> Never {
        let oneLine = message.replacingOccurrences(of: "\n", with: " ")
        StandardStreams.error("cl-bench: error: \(oneLine)\n")
        exitSkippingHDF5Termination(2)
    }
}

/// Ends the process without running atexit handlers. HDF5 1.10's handler crashes (SIGSEGV)
/// on a file whose close failed because a write failed (a full disk, `ulimit -f`); every
/// file we write has been flushed and closed, or has failed to close, before an error gets
/// here, so the handlers have nothing left to save. C stdio is flushed first.
func exitSkippingHDF5Termination(_ status: Int32) -> Never {
    fflush(nil)
    _exit(status)
}

/// Writes a line to standard output at once (progress must show while work goes on).
func say(_ line: String) {
    StandardStreams.output(line + "\n")
}
