import Foundation
import HDF5Kit
import Testing
@testable import CLData

/// `.npy` bytes of a C-order array, as `np.save` writes them (format 1.0).
func npyBytes(type: String, shape: [Int], data: [UInt8], fortranOrder: Bool = false) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(type)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
        + Array(header.utf8) + data
}

private func floatData(_ v: [Float]) -> [UInt8] {
    v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}
private func int64Data(_ v: [Int64]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) } }

@Suite struct FeatureFileReaderTests {
    let temporary = TemporaryFolder()
    var folder: String { temporary.path }

    func writeH5(
        _ name: String, trainX: [Float], trainShape: [Int], trainY: [Int32], testX: [Float], testShape: [Int],
        testY: [Int32]
    ) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        let h5 = try HDF5File.create(path)
        try h5.write(trainX, shape: trainShape, at: "/train/x")
        try h5.write(trainY, shape: [trainY.count], at: "/train/y")
        try h5.write(testX, shape: testShape, at: "/test/x")
        try h5.write(testY, shape: [testY.count], at: "/test/y")
        h5.close()
        return path
    }

    @Test func readsAnHDF5FeaturesFile() throws {
        let path = try writeH5(
            "f.h5", trainX: [1, 2, 3, 4, 5, 6], trainShape: [3, 2], trainY: [0, 1, 2],
            testX: [7, 8], testShape: [1, 2], testY: [2])
        let dataset = try FeatureFileReader.load(path: path)
        #expect(dataset.train.sampleShape == [2] && dataset.train.count == 3 && dataset.test.count == 1)
        #expect(dataset.classCount == 3 && dataset.train.labels == [0, 1, 2])
        #expect(dataset.train.batch([2, 0]).scalars == [5, 6, 1, 2])
        // The catalog reads it as dataset `features` with a path.
        var options = DatasetOptions()
        options.path = path
        #expect(try DatasetCatalog().load("features", options: options).test.batch([0]).scalars == [7, 8])
    }

    @Test func readsAnNPZFeaturesFile() throws {
        let path = (folder as NSString).appendingPathComponent("f.npz")
        let archive = zipBytes([
            ("train/x.npy", npyBytes(type: "<f4", shape: [2, 3], data: floatData([1, 2, 3, 4, 5, 6]))),
            ("train/y.npy", npyBytes(type: "<i8", shape: [2], data: int64Data([1, 0]))),
            ("test_x.npy", npyBytes(type: "<f4", shape: [1, 3], data: floatData([9, 8, 7]))),
            ("test_y.npy", npyBytes(type: "<i8", shape: [1], data: int64Data([1]))),
        ])
        try Data(archive).write(to: URL(fileURLWithPath: path))
        let dataset = try FeatureFileReader.load(path: path)
        #expect(
            dataset.train.labels == [1, 0] && dataset.test.batch([0]).scalars == [9, 8, 7] && dataset.classCount == 2)
    }

    @Test func wrongShapesAndMissingKeysAreOneLineErrors() throws {
        let mismatch = try writeH5(
            "m.h5", trainX: [1, 2, 3, 4], trainShape: [2, 2], trainY: [0, 1, 1],
            testX: [1, 2], testShape: [1, 2], testY: [0])
        #expect(throws: InputError(file: mismatch, "train/y has shape [3] but train/x has 2 rows")) {
            _ = try FeatureFileReader.load(path: mismatch)
        }
        let oneDimensional = try writeH5(
            "d.h5", trainX: [1, 2], trainShape: [2], trainY: [0, 1], testX: [1], testShape: [1], testY: [0])
        #expect(throws: InputError(file: oneDimensional, "train/x must be 2-d [samples, features], got shape [2]")) {
            _ = try FeatureFileReader.load(path: oneDimensional)
        }
        let widths = try writeH5(
            "w.h5", trainX: [1, 2], trainShape: [1, 2], trainY: [0], testX: [1, 2, 3], testShape: [1, 3], testY: [0])
        #expect(throws: InputError(file: widths, "train/x has 2 features per sample but test/x has 3")) {
            _ = try FeatureFileReader.load(path: widths)
        }
        let nan = try writeH5(
            "n.h5", trainX: [1, .nan], trainShape: [1, 2], trainY: [0], testX: [1, 2], testShape: [1, 2], testY: [0])
        #expect(
            expectInputError(fileContains: "n.h5", messageContains: "NaN") { _ = try FeatureFileReader.load(path: nan) }
        )
        let missing = (folder as NSString).appendingPathComponent("k.h5")
        let h5 = try HDF5File.create(missing)
        try h5.write([Float(1)], shape: [1, 1], at: "/train/x")
        h5.close()
        #expect(
            expectInputError(fileContains: "k.h5", messageContains: "missing dataset 'train/y'") {
                _ = try FeatureFileReader.load(path: missing)
            })
        let notHDF5 = (folder as NSString).appendingPathComponent("t.h5")
        try Data("text".utf8).write(to: URL(fileURLWithPath: notHDF5))
        #expect(
            expectInputError(fileContains: "t.h5", messageContains: "not a readable HDF5 file") {
                _ = try FeatureFileReader.load(path: notHDF5)
            })
    }

    @Test func npyHeaderProblemsAreInputErrors() {
        #expect(
            expectInputError(fileContains: "a.npy", messageContains: "Fortran") {
                _ = try NumpyArray(
                    npy: npyBytes(type: "<f4", shape: [1], data: floatData([1]), fortranOrder: true), file: "a.npy")
            })
        #expect(
            expectInputError(fileContains: "a.npy", messageContains: "truncated .npy data") {
                _ = try NumpyArray(
                    npy: Array(npyBytes(type: "<f4", shape: [4], data: floatData([1, 2, 3, 4])).dropLast(1)),
                    file: "a.npy")
            })
        #expect(
            expectInputError(fileContains: "a.npy", messageContains: "'>f4'") {
                _ = try NumpyArray(npy: npyBytes(type: ">f4", shape: [1], data: floatData([1])), file: "a.npy")
            })
    }
}
