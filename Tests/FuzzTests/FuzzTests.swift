import Foundation
import Testing

/// One bounded fuzz campaign per reader (about 30 s in all on the CI machine; set
/// CL_BENCH_FUZZ_SCALE to run N times as many mutants). Seeds are fixed, so a failure
/// reproduces; a crash found is fixed and its input added to `FuzzCorpus/<target>/`.
@Suite(.serialized) struct FuzzTests {
    @Test func protocolFiles() throws {
        let tally = try FuzzCampaign(target: "protocol", text: true, iterations: 3000).run(FuzzTargets.protocolYAML)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func baselineFiles() throws {
        let tally = try FuzzCampaign(target: "baseline", text: true, iterations: 3000).run(FuzzTargets.baselineYAML)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func parityRecords() throws {
        let tally = try FuzzCampaign(target: "parity", text: true, iterations: 1500).run(FuzzTargets.parityYAML)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func idxFiles() throws {
        let tally = try FuzzCampaign(target: "idx", iterations: 5000).run(FuzzTargets.idx)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func cifarBinaryFiles() throws {
        let tally = try FuzzCampaign(target: "cifar", iterations: 800).run(FuzzTargets.cifar)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func imageFiles() throws {
        let tally = try FuzzCampaign(target: "image", iterations: 3000).run(FuzzTargets.image)
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }

    @Test func resultsFiles() throws {
        let tally = try ResultsFileFuzzer(iterations: 600).run()
        #expect(tally.findings == 0 && tally.accepted > 0 && tally.refused > 0)
    }
}
