import CLResults
import Foundation
import Testing
@testable import CLReport

/// The inline PNG encoder and the report's prototype section (grouped by class, spread
/// beside each prototype, no external files).
@Suite struct PrototypeSectionTests {
    @Test func pngHasValidChunksAndStoredPixels() {
        let pixels: [Float] = [0, 0.5, 1, .nan, 2, -1]
        let png = InlinePNG.encode(pixels: pixels, channels: 1, height: 2, width: 3)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IEND's CRC is the same in every PNG file.
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        // IHDR: 3 x 2, depth 8, grayscale, and its CRC as zlib's crc32 gives it.
        #expect(Array(png[16..<29]) == [0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0])
        #expect(InlinePNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        // IDAT: zlib header, one final stored block of 2 rows x (filter byte + 3 pixels), Adler-32.
        let idat = Array(png[41..<(png.count - 16)])
        #expect(Array(idat.prefix(7)) == [0x78, 0x01, 1, 8, 0, 0xF7, 0xFF])
        #expect(Array(idat[7..<15]) == [0, 0, 128, 255, 0, 0, 255, 0])
    }

    @Test func sectionGroupsPrototypesByClassWithTheirSpread() {
        var run = RunRecord(
            path: "p.h5", status: "complete", protocolName: "proto", learner: "prob-psenn", seed: 1,
            classOrder: [7, 3], taskClasses: [[7, 3]], accuracyMatrix: [[0], [1]], pooledAccuracy: [1])
        let image = [Float](repeating: 0.5, count: 4)
        run.prototypes = PrototypeRecord(
            imageShape: [1, 2, 2], images: [image, image, image], classes: [0, 1, 1],
            spreadImages: [image, image, image], spread: [0.01, 0.02, 0.03])
        let summary = ProtocolSummary(protocolName: "proto", records: [run])
        let html = HTMLReport.render([summary], generatedAt: "now")
        #expect(html.contains("<h3 id=\"protocol-proto-prototypes\">Prototypes</h3>"))
        #expect(html.contains("<figcaption>class 7</figcaption>") && html.contains("<figcaption>class 3</figcaption>"))
        #expect(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1 == 6)
        #expect(html.contains("spread 0.030"))
        #expect(!html.contains("src=\"http"))
    }
}
