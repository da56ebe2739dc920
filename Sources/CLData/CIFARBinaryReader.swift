import Foundation

/// Reader for the official binary versions of CIFAR-10 and CIFAR-100.
///
/// CIFAR-10 (`cifar-10-batches-bin/`): `data_batch_1.bin` ... `data_batch_5.bin` and
/// `test_batch.bin`, each 10000 records of 1 label byte + 3072 pixel bytes (1024 red,
/// 1024 green, 1024 blue, row-major 32x32: already channel-planar, as `DataSplit` wants),
/// and `batches.meta.txt` with one class name per line.
/// CIFAR-100 (`cifar-100-binary/`): `train.bin`, `test.bin`, records of a coarse label
/// byte, a fine label byte and 3072 pixel bytes; `fine_label_names.txt`. cl-bench uses
/// the 100 fine labels.
public enum CIFARBinaryReader {
    static let pixelsPerImage = 3 * 32 * 32

    public static let cifar10TrainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let cifar10TestFile = "test_batch.bin"
    public static let cifar10NamesFile = "batches.meta.txt"
    public static let cifar100TrainFile = "train.bin"
    public static let cifar100TestFile = "test.bin"
    public static let cifar100NamesFile = "fine_label_names.txt"

    /// True when `directory` holds the CIFAR-10 binary files.
    public static func isCIFAR10Directory(_ directory: String) -> Bool {
        (cifar10TrainFiles + [cifar10TestFile]).allSatisfy {
            FileManager.default.fileExists(atPath: join(directory, $0))
        }
    }

    /// True when `directory` holds the CIFAR-100 binary files.
    public static func isCIFAR100Directory(_ directory: String) -> Bool {
        [cifar100TrainFile, cifar100TestFile].allSatisfy { FileManager.default.fileExists(atPath: join(directory, $0)) }
    }

    /// Loads CIFAR-10 from a `cifar-10-batches-bin` folder.
    public static func loadCIFAR10(directory: String) throws -> Dataset {
        let names = try readClassNames(join(directory, cifar10NamesFile), expected: 10)
        var trainPixels: [UInt8] = [], trainLabels: [Int32] = []
        trainPixels.reserveCapacity(50_000 * pixelsPerImage)
        for file in cifar10TrainFiles {
            let (pixels, labels) = try readRecords(join(directory, file), labelBytes: 1, labelIndex: 0, classCount: 10)
            trainPixels += pixels
            trainLabels += labels
        }
        let (testPixels, testLabels) = try readRecords(
            join(directory, cifar10TestFile), labelBytes: 1, labelIndex: 0, classCount: 10)
        return Dataset(
            name: "cifar10", classNames: names,
            train: DataSplit(sampleShape: [3, 32, 32], storage: .bytes(trainPixels), labels: trainLabels),
            test: DataSplit(sampleShape: [3, 32, 32], storage: .bytes(testPixels), labels: testLabels),
            source: directory)
    }

    /// Loads CIFAR-100 (fine labels) from a `cifar-100-binary` folder.
    public static func loadCIFAR100(directory: String) throws -> Dataset {
        let names = try readClassNames(join(directory, cifar100NamesFile), expected: 100)
        let (trainPixels, trainLabels) = try readRecords(
            join(directory, cifar100TrainFile), labelBytes: 2, labelIndex: 1, classCount: 100)
        let (testPixels, testLabels) = try readRecords(
            join(directory, cifar100TestFile), labelBytes: 2, labelIndex: 1, classCount: 100)
        return Dataset(
            name: "cifar100", classNames: names,
            train: DataSplit(sampleShape: [3, 32, 32], storage: .bytes(trainPixels), labels: trainLabels),
            test: DataSplit(sampleShape: [3, 32, 32], storage: .bytes(testPixels), labels: testLabels),
            source: directory)
    }

    /// Splits a file of fixed-size records into pixel bytes and labels.
    static func readRecords(_ path: String, labelBytes: Int, labelIndex: Int, classCount: Int) throws -> (
        [UInt8], [Int32]
    ) {
        let bytes = try FileBytes.read(path)
        let recordSize = labelBytes + pixelsPerImage
        guard !bytes.isEmpty else { throw InputError(file: path, "empty file") }
        guard bytes.count % recordSize == 0 else {
            throw InputError(
                file: path,
                "size \(bytes.count) is not a whole number of \(recordSize)-byte records "
                    + "(truncated or not a CIFAR binary file)"
            )
        }
        let count = bytes.count / recordSize
        var pixels = [UInt8](repeating: 0, count: count * pixelsPerImage)
        var labels = [Int32](repeating: 0, count: count)
        var badLabel: (record: Int, value: UInt8)?
        bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for record in 0..<count {
                    let start = record &* recordSize
                    let label = src[start &+ labelIndex]
                    if Int(label) >= classCount, badLabel == nil { badLabel = (record, label) }
                    labels[record] = Int32(label)
                    let from = UnsafeRawPointer(src.baseAddress! + start + labelBytes)
                    UnsafeMutableRawPointer(dst.baseAddress! + record &* pixelsPerImage).copyMemory(
                        from: from, byteCount: pixelsPerImage)
                }
            }
        }
        if let bad = badLabel {
            throw InputError(
                file: path,
                "record \(bad.record) has label \(bad.value), out of range 0..<\(classCount) "
                    + "(not a CIFAR-\(classCount) binary file?)"
            )
        }
        return (pixels, labels)
    }

    /// Class names, one per line (blank lines ignored).
    static func readClassNames(_ path: String, expected: Int) throws -> [String] {
        let bytes = try FileBytes.read(path)
        let names = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard names.count == expected else {
            throw InputError(file: path, "expected \(expected) class names, one per line, found \(names.count)")
        }
        return names
    }

    static func join(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}
