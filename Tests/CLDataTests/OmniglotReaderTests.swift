import Foundation
import Testing
@testable import CLData

@Suite struct OmniglotReaderTests {
    /// A 10x10 drawing: white background, a black vertical stroke at column `column`.
    func drawing(column: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 255, count: 100)
        for y in 0..<10 { pixels[y * 10 + column] = 0 }
        return ImageEncoder.png(DecodedImage(width: 10, height: 10, channels: 1, pixels: pixels), bitDepth: 1)!
    }

    /// Two zips; both sets contain an alphabet "Greek" with "character01" (as the real ones do).
    func writeZips(_ folder: TemporaryFolder, drawingsPerClass: Int = 6) -> [String] {
        var first: [(String, [UInt8])] = [], second: [(String, [UInt8])] = []
        for i in 0..<drawingsPerClass {
            first.append(("set1/Greek/character01/01_\(i).png", drawing(column: i)))
            first.append(("set1/Greek/character02/02_\(i).png", drawing(column: i)))
            second.append(("set2/Greek/character01/03_\(i).png", drawing(column: i)))
        }
        return [folder.write("set1.zip", zipBytes(first)), folder.write("set2.zip", zipBytes(second))]
    }

    @Test func readsTwoSetsAsDistinctClassesAndSplitsPerClass() throws {
        let folder = TemporaryFolder()
        let zips = writeZips(folder)
        let dataset = try OmniglotReader.load(zips, options: DatasetOptions(testPerClass: 2, splitSeed: 3))
        #expect(dataset.classNames == ["set1/Greek/character01", "set1/Greek/character02", "set2/Greek/character01"])
        #expect(dataset.train.count == 12 && dataset.test.count == 6)
        #expect(dataset.train.sampleShape == [1, 10, 10])
        for label in 0..<3 {
            #expect(dataset.train.labels.filter { $0 == label }.count == 4)
            #expect(dataset.test.labels.filter { $0 == label }.count == 2)
        }
        // The documented split: one RandomState(3) permutation of each class's sorted drawings,
        // in class order; its first test_per_class positions are the test drawings.
        var generator = MersenneTwister(seed: 3)
        let expectedTestColumns = (0..<3).map { _ in Array(generator.permutation(6).prefix(2)).sorted() }
        guard case .bytes(let test) = dataset.test.storage else { Issue.record("bytes"); return }
        for sample in 0..<6 {
            // Inverted: the stroke is bright (255) on black; its column identifies the drawing.
            let row = Array(test[(sample * 100)..<(sample * 100 + 10)])
            #expect(row.filter { $0 == 255 }.count == 1 && row.filter { $0 == 0 }.count == 9)
            let column = row.firstIndex(of: 255)!
            #expect(expectedTestColumns[Int(dataset.test.labels[sample])].contains(column))
        }
        let again = try OmniglotReader.load(zips, options: DatasetOptions(testPerClass: 2, splitSeed: 3))
        #expect(again.test.labels == dataset.test.labels)
        guard case .bytes(let againTest) = again.test.storage else {
            Issue.record("test split is not byte storage"); return
        }
        #expect(againTest == test)
    }

    @Test func noInversionAndResize() throws {
        let folder = TemporaryFolder()
        let zips = writeZips(folder)
        let dataset = try OmniglotReader.load(zips, options: DatasetOptions(resize: 5, testPerClass: 1, invert: false))
        #expect(dataset.train.sampleShape == [1, 5, 5])
        guard case .bytes(let train) = dataset.train.storage else { Issue.record("bytes"); return }
        // Each 2x2 block holds one black and one white column, or two white ones.
        #expect(Set(train).isSubset(of: [128, 255]))
        #expect(train.contains(128))
    }

    @Test func tooFewDrawingsForTheTestSplitIsAnError() {
        let folder = TemporaryFolder()
        let zips = writeZips(folder, drawingsPerClass: 3)
        #expect(
            expectInputError(fileContains: "set1.zip", messageContains: "test_per_class 3") {
                _ = try OmniglotReader.load(zips, options: DatasetOptions(testPerClass: 3))
            })
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets"))
    func realOmniglotHas292ClassesOf20() throws {
        let shared = try #require(sharedDatasets)
        let zips = OmniglotReader.archiveNames.map { shared + "/omniglot/" + $0 }
        let dataset = try OmniglotReader.load(zips, options: DatasetOptions(testPerClass: 5))
        #expect(dataset.classCount == 292)
        #expect(dataset.train.count == 292 * 15 && dataset.test.count == 292 * 5)
        #expect(dataset.train.sampleShape == [1, 105, 105])
        guard case .bytes(let pixels) = dataset.test.storage else { Issue.record("bytes"); return }
        // 1-bit drawings: only 0 and 255; inverted, so the (majority) background is 0.
        var zeros = 0, whites = 0
        pixels.withUnsafeBufferPointer { for v in $0 { if v == 0 { zeros += 1 } else if v == 255 { whites += 1 } } }
        #expect(zeros + whites == pixels.count)
        #expect(zeros > pixels.count / 2 && whites > 0)
    }
}
