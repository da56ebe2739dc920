import CLData
import CLLearners
import Foundation

/// A lower bound on the memory a protocol needs, computed before anything is allocated,
/// so that absurd sizes (an MLP of a billion units, a billion permuted tasks) are refused
/// with a message instead of aborting on allocation. Only the terms that can grow without
/// bound from protocol keys are counted; all arithmetic saturates instead of trapping.
public enum MemoryEstimate {
    /// One part of the estimate, for the message.
    public struct Term: Sendable, Equatable {
        public var what: String
        public var bytes: Int
    }

    /// The largest term of `spec` on `dataset`.
    public static func largestTerm(of spec: BenchmarkProtocol, dataset: Dataset) -> Term {
        var terms: [Term] = []
        if spec.stream.kind == .permuted, let tasks = spec.stream.tasks {
            // Each task holds a pixel permutation and its train and test index lists (8 bytes each).
            let perTask = sum(dataset.train.sampleSize, dataset.train.count, dataset.test.count)
            terms.append(
                Term(what: "stream.tasks \(tasks) (permutations and sample lists)", bytes: product(tasks, perTask, 8)))
        }
        for (position, entry) in spec.learners.enumerated() {
            let backbone = entry.config.backbone
            guard backbone.kind == "mlp" else { continue }
            // Weights, gradients and two optimiser moments (4 x 4 bytes per parameter), plus
            // a batch of activations and their gradients (2 x 4 bytes per unit and sample).
            var parameters = 0, units = 0, previous = dataset.train.sampleSize
            for width in backbone.widths + [dataset.classCount] {
                parameters = sum(parameters, product(previous, width), width)
                units = sum(units, width)
                previous = width
            }
            let bytes = sum(product(parameters, 16), product(units, entry.config.training.batchSize, 8))
            terms.append(
                Term(what: "learners[\(position)] (\(entry.name)) backbone mlp widths \(backbone.widths)", bytes: bytes)
            )
        }
        return terms.max { $0.bytes < $1.bytes } ?? Term(what: "nothing", bytes: 0)
    }

    /// Refuses `spec` when its largest term alone exceeds `availableBytes` (physical memory).
    public static func check(
        _ spec: BenchmarkProtocol, dataset: Dataset, protocolPath: String,
        availableBytes: Int = Int(clamping: ProcessInfo.processInfo.physicalMemory)
    ) throws {
        let term = largestTerm(of: spec, dataset: dataset)
        guard term.bytes > availableBytes else { return }
        throw InputError(
            file: protocolPath,
            "\(term.what) needs at least \(format(term.bytes)) of memory; "
                + "this machine has \(format(availableBytes))")
    }

    /// "3.2 GB", "1.5e+06 TB" for the saturated ones.
    static func format(_ bytes: Int) -> String {
        let gigabytes = Double(bytes) / 1e9
        if gigabytes < 1000 { return String(format: "%.1f GB", gigabytes) }
        return String(format: "%.3g TB", gigabytes / 1000)
    }

    private static func product(_ factors: Int...) -> Int {
        factors.reduce(1) { partial, factor in
            let (value, overflow) = partial.multipliedReportingOverflow(by: max(factor, 0))
            return overflow ? Int.max : value
        }
    }

    private static func sum(_ terms: Int...) -> Int {
        terms.reduce(0) { partial, term in
            let (value, overflow) = partial.addingReportingOverflow(max(term, 0))
            return overflow ? Int.max : value
        }
    }
}
