import Foundation
import HDF5Kit

/// Reads precomputed embeddings as a dataset (`dataset: { name: features, path: X.h5 }`):
/// `train/x` [n, d] and `test/x` [m, d] (float), `train/y` [n] and `test/y` [m] (integer
/// labels 0 ..< C), in an HDF5 file or an `.npz` (members `train/x.npy` ... or
/// `train_x.npy` ...). Optional: a `class_names` attribute (HDF5, one name per line).
///
/// Why: a user with features of a large pretrained model computed on their own GPU runs
/// every learner of cl-bench on them, on a CPU, in seconds. The same layout is what the
/// feature cache writes for the pretrained backbones.
///
/// Every problem (a missing key, a shape that disagrees, a NaN, a negative label) is one
/// `InputError` naming the file and the key.
public enum FeatureFileReader {
    public static func load(path: String, name: String = "features") throws -> Dataset {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(file: path, "features file not found")
        }
        let lower = path.lowercased()
        let splits: (train: DataSplit, test: DataSplit)
        var classNames: [String]? = nil
        if lower.hasSuffix(".npz") {
            let arrays = try NumpyArray.readArchive(path: path)
            func array(_ split: String, _ field: String) throws -> NumpyArray {
                guard let a = arrays["\(split)/\(field)"] ?? arrays["\(split)_\(field)"] else {
                    throw InputError(
                        file: path,
                        "missing array '\(split)/\(field)' (or '\(split)_\(field)'); has: "
                            + "\(arrays.keys.sorted().joined(separator: ", "))"
                    )
                }
                return a
            }
            func split(_ s: String) throws -> DataSplit {
                let x = try array(s, "x"), y = try array(s, "y")
                guard let labels = y.integers() else {
                    throw InputError(file: path, "\(s)/y: labels must be integers, got '\(y.typeString)'")
                }
                return try makeSplit(s, x: x.floats(), xShape: x.shape, labels: labels, yShape: y.shape, file: path)
            }
            splits = (try split("train"), try split("test"))
        } else {
            let h5: HDF5File
            do { h5 = try HDF5File.open(path) } catch {
                throw InputError(file: path, "not a readable HDF5 file (\(error))")
            }
            defer { h5.close() }
            func split(_ s: String) throws -> DataSplit {
                for key in ["x", "y"] where !h5.exists("/\(s)/\(key)") {
                    throw InputError(
                        file: path,
                        "missing dataset '\(s)/\(key)' (a features file has train/x, train/y, test/x, test/y)")
                }
                let x: (values: [Float], shape: [Int]), y: (values: [Int64], shape: [Int])
                do { x = try h5.read(Float.self, at: "/\(s)/x") } catch {
                    throw InputError(file: path, "\(s)/x: cannot be read as float (\(error))")
                }
                do { y = try h5.read(Int64.self, at: "/\(s)/y") } catch {
                    throw InputError(file: path, "\(s)/y: cannot be read as integers (\(error))")
                }
                return try makeSplit(
                    s, x: x.values, xShape: x.shape, labels: y.values.map { Int($0) }, yShape: y.shape, file: path)
            }
            splits = (try split("train"), try split("test"))
            if case .string(let text)? = try? h5.attribute("class_names") {
                classNames = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
        }
        guard splits.train.sampleShape == splits.test.sampleShape else {
            throw InputError(
                file: path,
                "train/x has \(splits.train.sampleShape[0]) features per sample but test/x has "
                    + "\(splits.test.sampleShape[0])"
            )
        }
        let classCount = Int(max(splits.train.labels.max() ?? -1, splits.test.labels.max() ?? -1)) + 1
        if let names = classNames, names.count < classCount {
            throw InputError(
                file: path, "class_names lists \(names.count) classes but the labels go up to \(classCount - 1)")
        }
        return Dataset(
            name: name, classNames: classNames ?? (0..<classCount).map(String.init),
            train: splits.train, test: splits.test, source: path)
    }

    static func makeSplit(_ split: String, x: [Float], xShape: [Int], labels: [Int], yShape: [Int], file: String) throws
        -> DataSplit
    {
        guard xShape.count == 2 else {
            throw InputError(file: file, "\(split)/x must be 2-d [samples, features], got shape \(xShape)")
        }
        guard yShape == [xShape[0]] else {
            throw InputError(file: file, "\(split)/y has shape \(yShape) but \(split)/x has \(xShape[0]) rows")
        }
        guard xShape[0] > 0, xShape[1] > 0 else {
            throw InputError(file: file, "\(split)/x is empty (shape \(xShape))")
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw InputError(
                file: file, "\(split)/x has a NaN or infinite value (row \(bad / xShape[1]), column \(bad % xShape[1]))"
            )
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 > Int(Int32.max) }) {
            throw InputError(file: file, "\(split)/y[\(bad)] = \(labels[bad]): labels must be 0 ..< number of classes")
        }
        return DataSplit(sampleShape: [xShape[1]], storage: .floats(x), labels: labels.map { Int32($0) })
    }
}
