import Foundation

/// One run of a sweep: one protocol, one learner entry (or grid point), one seed.
public struct SweepRun: Sendable, Equatable {
    /// Stable id, `<protocol name>/<learner label>-seed<k>`: the results file's path under
    /// the results folder without `.h5`, so the same run has the same id in every
    /// expansion, whatever else the sweep file lists.
    public var id: String
    public var protocolName: String
    /// The file the run is started with: the protocol itself, or for a grid point the
    /// generated protocol that lists the point as a labelled learner entry.
    public var protocolFile: String
    /// The learner entry's label (`nmc`, `prd-distill_weight-4`).
    public var learner: String
    public var seed: Int

    public init(protocolName: String, protocolFile: String, learner: String, seed: Int) {
        self.id = "\(protocolName)/\(learner)-seed\(seed)"
        self.protocolName = protocolName
        self.protocolFile = protocolFile
        self.learner = learner
        self.seed = seed
    }

    /// Where `cl-bench run --out results` writes this run (the same rule as `run`).
    public func resultsPath(in results: String) -> String {
        (results as NSString).appendingPathComponent(id + ".h5")
    }

    /// The arguments of `cl-bench run` for this run alone.
    public var runArguments: [String] {
        ["--protocol", protocolFile, "--learner", learner, "--seed", String(seed)]
    }
}
