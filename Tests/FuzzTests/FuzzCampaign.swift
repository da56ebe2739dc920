import CLData
import Foundation
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// A bounded, seeded mutation-fuzzing run of one reader over its committed seed corpus
/// (`FuzzCorpus/<target>/`). Every corpus file is tried as it is first (so an input that
/// once crashed and was added to the corpus is a regression test), then `iterations`
/// mutants. The contract of a reader: return, or throw `InputError`. Any other error is
/// recorded as an issue; a trap kills the test process, and the input that did it is the
/// one left in `.build/fuzz-findings/<target>.last`.
struct FuzzCampaign {
    let target: String
    /// Mutate as text (YAML) as well as bytes.
    var text = false
    var iterations: Int
    var seed: UInt64 = FuzzCampaign.seedFromEnvironment ?? 1

    /// What one campaign did, printed so CI logs show the figures.
    struct Tally: CustomStringConvertible {
        var tried = 0, accepted = 0, refused = 0, findings = 0
        var description: String {
            "\(tried) inputs: \(accepted) accepted, \(refused) refused with InputError, \(findings) findings"
        }
    }

    static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "FuzzCorpus"
    ).path
    static let findingsFolder: String = {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder = folder.deletingLastPathComponent() }
        let path = folder.appendingPathComponent(".build/fuzz-findings").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// `CL_BENCH_FUZZ_SEED=N` explores other mutants than CI's.
    static var seedFromEnvironment: UInt64? { UInt64(ProcessInfo.processInfo.environment["CL_BENCH_FUZZ_SEED"] ?? "") }

    /// `CL_BENCH_FUZZ_SCALE=20 swift test --filter Fuzz` runs twenty times as many mutants.
    static var scale: Int { Int(ProcessInfo.processInfo.environment["CL_BENCH_FUZZ_SCALE"] ?? "") ?? 1 }

    func corpus() throws -> [[UInt8]] {
        let folder = (Self.corpusRoot as NSString).appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        return try names.map {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent($0))))
        }
    }

    /// Runs the campaign; `body` is the reader under test.
    func run(_ body: ([UInt8]) throws -> Void) throws -> Tally {
        let seeds = try corpus()
        #expect(!seeds.isEmpty, "no corpus for \(target)")
        var random = FuzzRandom(seed: seed)
        var tally = Tally()
        let last = (Self.findingsFolder as NSString).appendingPathComponent("\(target).last")
        let lastInput = open(last, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(lastInput) }
        let total = seeds.count + iterations * Self.scale
        for index in 0..<total {
            let input =
                index < seeds.count
                ? seeds[index]
                : Mutator.mutate(random.pick(seeds), corpus: seeds, text: text, random: &random)
            // Kept cheap (no atomic rename): rewritten in place for every input.
            _ = ftruncate(lastInput, 0)
            _ = input.withUnsafeBytes { pwrite(lastInput, $0.baseAddress, $0.count, 0) }
            tally.tried += 1
            do {
                try body(input)
                tally.accepted += 1
            } catch is InputError {
                tally.refused += 1
            } catch {
                tally.findings += 1
                let saved = (Self.findingsFolder as NSString).appendingPathComponent("\(target)-\(index).input")
                _ = FileManager.default.createFile(atPath: saved, contents: Data(input))
                Issue.record(
                    """
                    \(target): input \(index) (saved as \(saved)) threw \(type(of: error)): \(error), \
                    not an InputError
                    """
                )
            }
        }
        try? FileManager.default.removeItem(atPath: last)
        print("fuzz \(target): \(tally)")
        return tally
    }
}
