import Foundation
import Testing
@testable import CLData

/// A 3-channel 8x6 image whose pixels depend on `seed`, smooth so JPEG keeps it close.
func smoothImage(seed: Int, channels: Int = 3, width: Int = 8, height: Int = 6) -> DecodedImage {
    var pixels: [UInt8] = []
    for c in 0..<channels {
        for y in 0..<height { for x in 0..<width { pixels.append(UInt8(seed * 7 % 50 + c * 40 + x * 5 + y * 4 + 20)) } }
    }
    return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
}

@Suite struct ImageDecoderTests {
    @Test func pngRoundTripsExactly() throws {
        let image = smoothImage(seed: 3)
        let png = try #require(ImageEncoder.png(image))
        #expect(try ImageDecoder.decode(png, file: "x.png") == image)
        let gray = smoothImage(seed: 1, channels: 1)
        #expect(try ImageDecoder.decode(try #require(ImageEncoder.png(gray)), file: "g.png") == gray)
    }

    @Test func oneBitPNGBecomesZeroAnd255() throws {
        let image = DecodedImage(width: 5, height: 2, channels: 1, pixels: [0, 255, 0, 255, 255, 255, 0, 0, 0, 255])
        let png = try #require(ImageEncoder.png(image, bitDepth: 1))
        #expect(png[24] == 1)  // IHDR bit depth byte
        #expect(try ImageDecoder.decode(png, file: "bits.png") == image)
    }

    @Test func jpegDecodesCloseToTheOriginal() throws {
        let image = smoothImage(seed: 2)
        let jpeg = try #require(ImageEncoder.jpeg(image, quality: 95))
        let decoded = try ImageDecoder.decode(jpeg, file: "x.jpg")
        #expect(decoded.width == 8 && decoded.height == 6 && decoded.channels == 3)
        let worst = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 12)
    }

    @Test func corruptAndTruncatedImagesAreInputErrors() throws {
        let jpeg = try #require(ImageEncoder.jpeg(smoothImage(seed: 4)))
        #expect(
            expectInputError(fileContains: "cut.jpg") {
                _ = try ImageDecoder.decode(Array(jpeg.prefix(jpeg.count / 2)), file: "cut.jpg")
            })
        var garbled = jpeg
        for i in 2..<min(60, garbled.count) { garbled[i] = 0x55 }
        #expect(
            expectInputError(fileContains: "garbled.jpg") { _ = try ImageDecoder.decode(garbled, file: "garbled.jpg") })
        let png = try #require(ImageEncoder.png(smoothImage(seed: 4)))
        #expect(
            expectInputError(fileContains: "cut.png") {
                _ = try ImageDecoder.decode(Array(png.prefix(png.count - 20)), file: "cut.png")
            })
        #expect(
            expectInputError(fileContains: "text.png", messageContains: "not a JPEG or PNG") {
                _ = try ImageDecoder.decode(Array("hello".utf8), file: "text.png")
            })
    }
}

@Suite struct ImageFolderReaderTests {
    /// Files of a small image-folder dataset: classes "zebra", "ant", "moth" (sorted: ant, moth, zebra).
    func files(root: String) -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = []
        for (k, name) in ["zebra", "ant", "moth"].enumerated() {
            for i in 0..<3 {
                files.append(("\(root)train/\(name)/\(i).png", ImageEncoder.png(smoothImage(seed: k * 10 + i))!))
            }
            files.append(("\(root)test/\(name)/t.jpg", ImageEncoder.jpeg(smoothImage(seed: k * 10 + 5))!))
        }
        return files
    }

    func expectToyDataset(_ dataset: Dataset) {
        #expect(dataset.classNames == ["ant", "moth", "zebra"])
        #expect(dataset.train.count == 9 && dataset.test.count == 3)
        #expect(dataset.train.sampleShape == [3, 6, 8])
        #expect(dataset.train.labels == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(dataset.test.labels == [0, 1, 2])
        guard case .bytes(let pixels) = dataset.train.storage else { Issue.record("bytes expected"); return }
        // Sample 0 is ant/0.png = seed 10; sample 6 is zebra/0.png = seed 0 (PNG: exact).
        #expect(Array(pixels[0..<144]) == smoothImage(seed: 10).pixels)
        #expect(Array(pixels[(6 * 144)..<(7 * 144)]) == smoothImage(seed: 0).pixels)
    }

    @Test func readsAFolder() throws {
        let folder = TemporaryFolder()
        for (path, bytes) in files(root: "toy/") { folder.write(path, bytes) }
        folder.write("toy/train/ant/.DS_Store", [1, 2, 3])
        expectToyDataset(try ImageFolderReader.load(folder.sub("toy"), name: "toy"))
    }

    @Test func readsATarGzWithANestedRoot() throws {
        let folder = TemporaryFolder()
        let path = folder.write("toy.tar.gz", Gzip.compress(tarBytes(files(root: "toy-jpg/"))))
        expectToyDataset(try ImageFolderReader.load(path, name: "toy"))
    }

    @Test func readsAZip() throws {
        let folder = TemporaryFolder()
        let path = folder.write("toy.zip", zipBytes(files(root: "")))
        expectToyDataset(try ImageFolderReader.load(path, name: "toy"))
    }

    @Test func resizeAveragesAreas() throws {
        let folder = TemporaryFolder()
        // 4x4 gray image of 2x2 blocks -> 2x2 holds the block values exactly.
        let blocks = DecodedImage(
            width: 4, height: 4, channels: 1,
            pixels: [10, 10, 50, 50, 10, 10, 50, 50, 90, 90, 130, 130, 90, 90, 130, 130])
        folder.write("d/train/a/1.png", ImageEncoder.png(blocks)!)
        // 3x3 -> 2x2: each output covers 1.5 x 1.5 input pixels.
        let three = DecodedImage(width: 3, height: 3, channels: 1, pixels: [0, 90, 180, 0, 90, 180, 0, 90, 180])
        folder.write("d/test/a/1.png", ImageEncoder.png(three)!)
        let dataset = try ImageFolderReader.load(folder.sub("d"), name: "d", options: DatasetOptions(resize: 2))
        guard case .bytes(let train) = dataset.train.storage, case .bytes(let test) = dataset.test.storage else {
            Issue.record("bytes"); return
        }
        #expect(train == [10, 50, 90, 130])
        // Left output column: (0 * 1 + 90 * 0.5) / 1.5 = 30; right: (90 * 0.5 + 180) / 1.5 = 150.
        #expect(test == [30, 150, 30, 150])
    }

    @Test func mixedSizesWithoutResizeNameTheImage() throws {
        let folder = TemporaryFolder()
        folder.write("d/train/a/1.png", ImageEncoder.png(smoothImage(seed: 1))!)
        folder.write("d/train/a/2.png", ImageEncoder.png(smoothImage(seed: 1, width: 5))!)
        folder.write("d/test/a/1.png", ImageEncoder.png(smoothImage(seed: 1))!)
        #expect(
            expectInputError(fileContains: "2.png", messageContains: "resize") {
                _ = try ImageFolderReader.load(folder.sub("d"), name: "d")
            })
    }

    @Test func corruptMemberOfAnArchiveNamesArchiveAndMember() throws {
        let folder = TemporaryFolder()
        var members = files(root: "r/")
        members[1].1 = Array(members[1].1.prefix(30))
        let path = folder.write("bad.tar.gz", Gzip.compress(tarBytes(members)))
        #expect(
            expectInputError(fileContains: "bad.tar.gz: r/train/zebra/1.png") {
                _ = try ImageFolderReader.load(path, name: "bad")
            })
    }

    @Test func truncatedArchivesAreInputErrors() throws {
        let folder = TemporaryFolder()
        let tar = tarBytes(files(root: ""))
        let tarPath = folder.write("cut.tar", Array(tar.prefix(1500)))
        #expect(
            expectInputError(fileContains: "cut.tar", messageContains: "truncated") {
                _ = try ImageFolderReader.load(tarPath, name: "x")
            })
        let gz = Gzip.compress(tar)
        let gzPath = folder.write("cut.tar.gz", Array(gz.prefix(gz.count - 40)))
        #expect(expectInputError(fileContains: "cut.tar.gz") { _ = try ImageFolderReader.load(gzPath, name: "x") })
        let zip = zipBytes(files(root: ""))
        let zipPath = folder.write("cut.zip", Array(zip.prefix(zip.count - 30)))
        #expect(expectInputError(fileContains: "cut.zip") { _ = try ImageFolderReader.load(zipPath, name: "x") })
        var flipped = zip
        flipped[200] ^= 0xff
        let flippedPath = folder.write("flipped.zip", flipped)
        #expect(
            expectInputError(fileContains: "flipped.zip") { _ = try ImageFolderReader.load(flippedPath, name: "x") })
        #expect(
            expectInputError(fileContains: "missing.zip", messageContains: "not found") {
                _ = try ImageFolderReader.load(folder.sub("missing.zip"), name: "x")
            })
    }

    @Test func wrongLayoutSaysWhatIsExpected() throws {
        let folder = TemporaryFolder()
        folder.write("flat/a.png", ImageEncoder.png(smoothImage(seed: 1))!)
        #expect(
            expectInputError(fileContains: "flat", messageContains: "{train,test}") {
                _ = try ImageFolderReader.load(folder.sub("flat"), name: "x")
            })
    }
}
