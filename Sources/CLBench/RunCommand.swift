import ArgumentParser
import CLConfig
import CLData
import CLLearners
import CLResults
import CLRun
import CLTensor
import Foundation

/// `cl-bench run`: runs a protocol's learners and seeds, one results file each.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a protocol: every learner and seed it lists (or those chosen), one results file each.",
        discussion: "Results go to <out>/<protocol name>/<learner>-seed<k>.h5 (HDF5, schema cl-bench/1).")

    @Option(name: .long, help: "The protocol file (YAML), e.g. Protocols/quickstart.yaml.")
    var `protocol`: String

    @Option(name: .long, help: "Run only this learner (repeatable). Default: every learner of the protocol.")
    var learner: [String] = []

    @Option(name: .long, help: "Run only this seed (repeatable). Default: every seed of the protocol.")
    var seed: [Int] = []

    @Option(name: .long, help: "Folder to look for datasets in first (then $CL_BENCH_DATA, then ~/.cache/cl-bench).")
    var dataDir: String?

    @Option(name: .long, help: "Results folder.")
    var out: String = "results"

    @Flag(
        name: .long,
        help: """
            Skip runs whose results file is complete, continue incomplete ones from their checkpoint (after the \
            last completed task), and run the others again from the first task (what a sweep's jobs do).
            """
    )
    var resume = false

    func run() throws {
        SignalDispositions.stopRunsGracefully()
        let spec = try ProtocolParser.parse(file: `protocol`)
        var plan = try ProtocolRun(spec, learners: learner, seeds: seed, out: out)
        plan.resume = resume
        let loadStart = RunEnvironment.monotonicSeconds()
        let dataset = try DatasetLoading.load(spec.dataset, dataDirectory: dataDir, protocolPath: `protocol`)
        say(
            String(
                format:
                    "cl-bench %@ · protocol %@ · dataset %@ (%d train, %d test, %d classes) "
                    + "loaded in %.2f s · BLAS %@ x%d · conv %@",
                RunEnvironment.harnessVersion, spec.name, dataset.name, dataset.train.count, dataset.test.count,
                dataset.classCount, RunEnvironment.monotonicSeconds() - loadStart, BLASKernel.current,
                BLASKernel.threads,
                DirectConvolution.currentName))
        let terminal = TerminalOutput()
        let catalog = DatasetLoading.catalog(dataDirectory: dataDir)
        plan.featureCache = PretrainedFeatureCache(
            directory: spec.dataset.options.useCache ? PretrainedFeatureCache.defaultDirectory(catalog: catalog) : nil,
            catalog: catalog, log: { say($0) }, status: terminal.status)
        let written = try plan.run(on: dataset, log: terminal.line, status: terminal.status)
        say(
            "wrote \(written.count) results file\(written.count == 1 ? "" : "s") in \(plan.folder); see them with: "
                + "cl-bench report \(plan.folder)"
        )
    }
}
