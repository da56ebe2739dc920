import Foundation

/// Reader for the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed).
///
/// An IDX file is a 4-byte magic (0, 0, type, number of dimensions), the dimensions as
/// big-endian 32-bit integers, then the values. Only unsigned bytes (type 0x08) occur in
/// these datasets, so only they are accepted.
public enum IDXReader {
    /// Reads one IDX file of unsigned bytes; returns its values and shape.
    public static func read(_ path: String) throws -> (values: [UInt8], shape: [Int]) {
        try parse(FileBytes.readMaybeGzip(path), file: path)
    }

    /// Parses the bytes of an (already decompressed) IDX file. Takes ownership of the
    /// bytes so that the values are the same buffer with the header removed in place
    /// (no second 47 MB allocation for MNIST's training images).
    public static func parse(_ input: consuming [UInt8], file: String) throws -> (values: [UInt8], shape: [Int]) {
        var bytes = input
        guard bytes.count >= 4 else {
            throw InputError(file: file, "truncated IDX file: \(bytes.count) bytes, no header")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw InputError(file: file, "not an IDX file: magic starts with \(bytes[0]) \(bytes[1]), expected 0 0")
        }
        guard bytes[2] == 0x08 else {
            throw InputError(
                file: file,
                "IDX value type 0x\(String(bytes[2], radix: 16)) is not supported (expected 0x08, unsigned byte)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1, rank <= 4 else {
            throw InputError(file: file, "IDX file has \(rank) dimensions, expected 1 to 4")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw InputError(file: file, "truncated IDX header") }
        var shape: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            shape.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= Int(Int32.max) * 64 else {
                throw InputError(
                    file: file,
                    "IDX header claims shape \(shape.map(String.init).joined(separator: "x")): "
                        + "more values than any file holds"
                )
            }
            count = product
        }
        guard bytes.count - headerSize == count else {
            let shapeText = shape.map(String.init).joined(separator: "x")
            let problem = bytes.count - headerSize < count ? "truncated" : "has trailing bytes"
            throw InputError(
                file: file,
                "IDX file \(problem): header says \(shapeText) = \(count) values, "
                    + "file holds \(bytes.count - headerSize)"
            )
        }
        bytes.removeSubrange(0..<headerSize)
        return (bytes, shape)
    }

    /// The four files of an IDX dataset in `directory`, under either common spelling
    /// (`train-images-idx3-ubyte` or `train-images.idx3-ubyte`), gzip-compressed or not.
    /// Nil when any is missing.
    public static func locateFiles(in directory: String) -> (
        trainImages: String, trainLabels: String, testImages: String, testLabels: String
    )? {
        func find(_ stem: String, _ rank: Int) -> String? {
            for separator in ["-", "."] {
                for suffix in [".gz", ""] {
                    let path = (directory as NSString).appendingPathComponent(
                        "\(stem)\(separator)idx\(rank)-ubyte\(suffix)")
                    if FileManager.default.fileExists(atPath: path) { return path }
                }
            }
            return nil
        }
        guard let a = find("train-images", 3), let b = find("train-labels", 1),
            let c = find("t10k-images", 3), let d = find("t10k-labels", 1)
        else { return nil }
        return (a, b, c, d)
    }

    /// The file names `locateFiles` looks for, for error messages.
    public static let expectedFileNames = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]

    /// Loads an MNIST-like dataset (train and t10k images and labels) from `directory`.
    public static func loadDataset(directory: String, name: String, classNames: [String]) throws -> Dataset {
        guard let files = locateFiles(in: directory) else {
            throw InputError(
                file: directory,
                "no IDX dataset here: expected \(expectedFileNames.joined(separator: ", ")) "
                    + "(or the same names with '.idx' instead of '-idx', or without .gz)"
            )
        }
        // Decompress the two large image files in parallel: they are independent.
        nonisolated(unsafe) var trainResult: Result<DataSplit, Error>!
        nonisolated(unsafe) var testResult: Result<DataSplit, Error>!
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                trainResult = Result {
                    try loadSplit(images: files.trainImages, labels: files.trainLabels, classCount: classNames.count)
                }
            } else {
                testResult = Result {
                    try loadSplit(images: files.testImages, labels: files.testLabels, classCount: classNames.count)
                }
            }
        }
        let train = try trainResult.get(), test = try testResult.get()
        guard train.sampleShape == test.sampleShape else {
            throw InputError(
                file: files.testImages,
                "test images are \(test.sampleShape) but training images are \(train.sampleShape)")
        }
        return Dataset(name: name, classNames: classNames, train: train, test: test, source: directory)
    }

    /// One split from an images file (N x H x W) and a labels file (N).
    static func loadSplit(images: String, labels: String, classCount: Int) throws -> DataSplit {
        let (pixels, imageShape) = try read(images)
        guard imageShape.count == 3 else {
            throw InputError(
                file: images, "expected images of shape N x height x width, found \(imageShape.count) dimensions")
        }
        let (labelBytes, labelShape) = try read(labels)
        guard labelShape.count == 1 else {
            throw InputError(file: labels, "expected a 1-dimensional label file, found \(labelShape.count) dimensions")
        }
        guard labelShape[0] == imageShape[0] else {
            throw InputError(file: labels, "\(labelShape[0]) labels for \(imageShape[0]) images in \(images)")
        }
        if let bad = labelBytes.first(where: { Int($0) >= classCount }) {
            throw InputError(file: labels, "label \(bad) out of range 0..<\(classCount)")
        }
        return DataSplit(
            sampleShape: [1, imageShape[1], imageShape[2]], storage: .bytes(pixels),
            labels: labelBytes.map { Int32($0) })
    }
}
