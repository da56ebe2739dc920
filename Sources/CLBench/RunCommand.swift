import ArgumentParser
import CLData
import CLEval
import CLLearners
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

    func run() throws {
        let spec = try ProtocolParser.parse(file: `protocol`)
        var entries = spec.learners
        if !learner.isEmpty {
            for name in learner where !spec.learners.contains(where: { $0.name == name }) {
                throw InputError(file: `protocol`, "--learner \(name): the protocol has no learner '\(name)' (it has: \(spec.learners.map(\.name).joined(separator: ", ")))")
            }
            entries = spec.learners.filter { learner.contains($0.name) }
        }
        let seeds = seed.isEmpty ? spec.seeds : seed
        if let negative = seeds.first(where: { $0 < 0 }) { throw InputError(file: "", "--seed \(negative): seeds are non-negative") }

        let loadStart = RunEnvironment.monotonicSeconds()
        let dataset = try DatasetLoading.load(spec.dataset, dataDirectory: dataDir, protocolPath: `protocol`)
        try MemoryEstimate.check(spec, dataset: dataset, protocolPath: `protocol`)
        say(String(format: "cl-bench %@ · protocol %@ · dataset %@ (%d train, %d test, %d classes) loaded in %.2f s · BLAS %@ x%d · conv %@",
                   RunEnvironment.harnessVersion, spec.name, dataset.name, dataset.train.count, dataset.test.count,
                   dataset.classCount, RunEnvironment.monotonicSeconds() - loadStart, BLASKernel.current, BLASKernel.threads,
                   DirectConvolution.currentName))

        let terminal = TerminalOutput()
        let folder = (out as NSString).appendingPathComponent(spec.name)
        var written: [String] = []
        for seed in seeds {
            let stream: TaskStream
            do {
                stream = try StreamGenerator.make(spec.stream, dataset: dataset, seed: seed)
            } catch let error as InputError {
                throw InputError(file: `protocol`, error.file.isEmpty ? error.message : error.description)
            }
            for entry in entries {
                let path = (folder as NSString).appendingPathComponent("\(entry.name)-seed\(seed).h5")
                say("\(entry.name) · seed \(seed) · \(stream.tasks.count) tasks (\(stream.kind.rawValue)) → \(path)")
                let started = RunEnvironment.monotonicSeconds()
                let metrics = try Runner(dataset: dataset, stream: stream)
                    .run(entry, seed: seed, protocol: spec, outputPath: path, progress: terminal.line, liveStatus: terminal.status)
                say(String(format: "  done in %.2f s: final_accuracy %.4f, average_incremental_accuracy %.4f, forgetting %@",
                           RunEnvironment.monotonicSeconds() - started, metrics["final_accuracy"] ?? .nan,
                           metrics["average_incremental_accuracy"] ?? .nan, formatMetric(metrics["forgetting"])))
                written.append(path)
            }
        }
        say("wrote \(written.count) results file\(written.count == 1 ? "" : "s") in \(folder); see them with: cl-bench report \(folder)")
    }

    private func formatMetric(_ value: Double?) -> String {
        guard let value, !value.isNaN else { return "n/a (one task)" }
        return String(format: "%.4f", value)
    }
}
