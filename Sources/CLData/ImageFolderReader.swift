import Foundation

/// Reader for image-folder datasets: `<root>/{train,test}/<class>/*.{jpg,jpeg,png}`, as a
/// folder or as a `.tar.gz`/`.tgz`/`.tar`/`.zip` archive (the root may be nested, like
/// `cifar10-jpg/` inside the shared CIFAR-10 archive).
///
/// Class ids are the positions of the class folder names in sorted order (the union over
/// train and test), so they do not depend on the archive's file order; samples are sorted
/// by (class, path) for the same reason.
public enum ImageFolderReader {
    /// Decodes the whole dataset (no cache; see `DecodeCache` for the cached path).
    public static func load(_ source: String, name: String, options: DatasetOptions = DatasetOptions()) throws
        -> Dataset
    {
        try options.validate()
        let collection = try ImageCollection(source)
        var root: String?
        var samples: [(split: Int, className: String, path: String, index: Int)] = []
        for (index, path) in collection.paths.enumerated() {
            let components = path.split(separator: "/").map(String.init)
            guard components.count >= 3 else { continue }
            let splitName = components[components.count - 3]
            guard splitName == "train" || splitName == "test" else { continue }
            let prefix = components[0..<(components.count - 3)].joined(separator: "/")
            if let root, root != prefix {
                throw InputError(
                    file: source,
                    "images under two roots, '\(root)/' and '\(prefix)/': "
                        + "expected one <root>/{train,test}/<class>/ tree"
                )
            }
            root = prefix
            samples.append((splitName == "train" ? 0 : 1, components[components.count - 2], path, index))
        }
        guard !samples.isEmpty else {
            throw InputError(file: source, "no images in the layout <root>/{train,test}/<class>/*.{jpg,jpeg,png}")
        }
        let classNames = Set(samples.map(\.className)).sorted()
        let classIds = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        samples.sort { ($0.split, classIds[$0.className]!, $0.path) < ($1.split, classIds[$1.className]!, $1.path) }
        let train = samples.filter { $0.split == 0 }, test = samples.filter { $0.split == 1 }
        guard !train.isEmpty else {
            throw InputError(file: source, "no images under \(root.map { $0.isEmpty ? "" : $0 + "/" } ?? "")train/")
        }
        guard !test.isEmpty else {
            throw InputError(file: source, "no images under \(root.map { $0.isEmpty ? "" : $0 + "/" } ?? "")test/")
        }
        let decoded = try collection.decodeAll(samples.map(\.index), resize: options.resize, invert: false)
        let sampleSize = decoded.sampleShape.reduce(1, *)
        let splitPoint = train.count * sampleSize
        let trainSplit = DataSplit(
            sampleShape: decoded.sampleShape, storage: .bytes(Array(decoded.pixels[0..<splitPoint])),
            labels: train.map { Int32(classIds[$0.className]!) })
        let testSplit = DataSplit(
            sampleShape: decoded.sampleShape, storage: .bytes(Array(decoded.pixels[splitPoint...])),
            labels: test.map { Int32(classIds[$0.className]!) })
        return Dataset(name: name, classNames: classNames, train: trainSplit, test: testSplit, source: source)
    }
}
