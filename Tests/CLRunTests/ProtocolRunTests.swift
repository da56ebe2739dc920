import CLData
import CLLearners
import Foundation
import Testing
@testable import CLConfig
@testable import CLResults
@testable import CLRun

@Test func aProtocolRunWritesOneFilePerSelectedLearnerAndSeed() throws {
    let dataset = labelledDataset(classes: 4, trainPerClass: 3, testPerClass: 2)
    let text =
        "name: synthetic\ndataset: { name: synthetic }\nstream: { kind: class-incremental, classes_per_task: 2 }\n"
        + "learners: [ { name: nmc }, { name: nmc, label: nmc-euclidean, metric: euclidean } ]\nseeds: [0, 1]\n"
    let spec = try ProtocolParser.parse(text: text, path: "p.yaml")
    let out = temporaryFolder()
    let all = try ProtocolRun(spec, out: out)
    #expect(all.learners.map(\.name) == ["nmc", "nmc-euclidean"] && all.seeds == [0, 1])
    let chosen = try ProtocolRun(spec, learners: ["nmc-euclidean"], seeds: [1], out: out)
    var lines: [String] = []
    let written = try chosen.run(on: dataset, log: { lines.append($0) })
    #expect(written == [out + "/synthetic/nmc-euclidean-seed1.h5"])
    #expect(try ResultsReader.read(written[0]).status == "complete")
    #expect(lines.contains { $0.hasPrefix("nmc-euclidean · seed 1") })
    #expect(!FileManager.default.fileExists(atPath: out + "/synthetic/nmc-seed0.h5"))

    #expect(throws: InputError.self) { try ProtocolRun(spec, learners: ["prd"], out: out) }
    for bad in [-1, Int(UInt32.max) + 1] {
        do {
            _ = try ProtocolRun(spec, seeds: [bad], out: out)
            Issue.record("seed \(bad) accepted")
        } catch let error as InputError {
            #expect(error.description == "p.yaml: --seed \(bad): seeds are integers in 0 ... 4294967295, got \(bad)")
        }
    }
}
