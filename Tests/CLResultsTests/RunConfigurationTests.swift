import HDF5Kit
import Testing

@testable import CLResults

private let base = RunConfiguration(lines: [
    ("harness_version", "0.1.0"), ("training", "{ epochs: 1, lr: 0.1 }"), ("learner.config", "metric: cosine\nk: 1"),
])

private func run(seed: Int, configuration: RunConfiguration?, learnerConfig: String = "") -> RunRecord {
    var record = RunRecord(
        path: "out/p/nmc-seed\(seed).h5", status: "complete", protocolName: "p", learner: "nmc",
        learnerConfig: learnerConfig, seed: seed)
    record.configuration = configuration
    return record
}

@Test func aConfigurationReadsBackFromItsTextAndNamesTheFirstDifference() {
    #expect(RunConfiguration(text: base.text) == base)
    #expect(base.text.contains("learner.config: metric: cosine k: 1"))
    var edited = base
    edited.lines[1].value = "{ epochs: 1, lr: 0.2 }"
    let difference = RunConfiguration.firstDifference(base, edited)
    #expect(difference?.key == "training" && difference?.new == "{ epochs: 1, lr: 0.2 }")
    #expect(RunConfiguration.firstDifference(base, base) == nil)
    let shorter = RunConfiguration(lines: Array(base.lines.dropLast()))
    #expect(RunConfiguration.firstDifference(shorter, base)?.key == "learner.config")
}

@Test func mixedConfigurationsAreRefusedOrSplitApart() throws {
    var edited = base
    edited.lines[1].value = "{ epochs: 2, lr: 0.1 }"
    let runs = [
        run(seed: 0, configuration: base), run(seed: 1, configuration: edited), run(seed: 2, configuration: base),
    ]
    #expect(throws: InputError.self) { try MixedConfigurations.refuse.apply(to: runs) }
    let apart = try MixedConfigurations.splitApart.apply(to: runs)
    #expect(apart.map(\.learner) == ["nmc", "nmc [configuration 2]", "nmc"])
    // One configuration: nothing to refuse, nothing relabelled.
    #expect(try MixedConfigurations.refuse.apply(to: [runs[0], runs[2]]).map(\.learner) == ["nmc", "nmc"])
    // Files written before `configuration` existed are compared by learner_config.
    let old = [
        run(seed: 0, configuration: nil, learnerConfig: "a"), run(seed: 1, configuration: nil, learnerConfig: "b"),
    ]
    #expect(throws: InputError.self) { try MixedConfigurations.refuse.apply(to: old) }
}
