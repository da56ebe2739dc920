import Foundation

/// Reader for Omniglot's `images_background_small1.zip` and `images_background_small2.zip`
/// (or any folders/archives laid out as `<set>/<alphabet>/<character>/<id>_<drawer>.png`),
/// read together as one dataset whose classes are "set/alphabet/character" in sorted order
/// (292 classes for the two small sets, 20 drawings each). The set is part of the class:
/// both small sets contain Greek and Latin, drawn by different people, and the published
/// count of 292 classes treats them as distinct.
///
/// Omniglot has no train/test split: each class's drawings (sorted by file name) are
/// split with `MersenneTwister(seed: options.splitSeed)`, drawing one permutation per
/// class in class order; the first `options.testPerClass` of it go to the test split.
/// By default images are inverted so strokes are bright on black like MNIST
/// (`options.invert`), and `options.resize` (for example 28) area-averages the 105 x 105
/// drawings down.
public enum OmniglotReader {
    public static let archiveNames = ["images_background_small1.zip", "images_background_small2.zip"]

    public static func load(_ sources: [String], options: DatasetOptions = DatasetOptions()) throws -> Dataset {
        try options.validate()
        let collections = try sources.map { try ImageCollection($0) }
        // Class name -> (collection, index, path) of its drawings.
        var drawings: [String: [(collection: Int, index: Int, path: String)]] = [:]
        for (c, collection) in collections.enumerated() {
            // An unpacked folder's listing starts below the set: put the set name back.
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: collection.source, isDirectory: &isDirectory)
            let setPrefix = isDirectory.boolValue ? [(collection.source as NSString).lastPathComponent] : []
            for (index, path) in collection.paths.enumerated() {
                let components = setPrefix + path.split(separator: "/").map(String.init)
                guard components.count >= 4 else { continue }
                let className = components[(components.count - 4)..<(components.count - 1)].joined(separator: "/")
                drawings[className, default: []].append((c, index, path))
            }
        }
        guard !drawings.isEmpty else {
            throw InputError(
                file: sources.joined(separator: ", "), "no drawings in the layout <set>/<alphabet>/<character>/*.png")
        }
        let classNames = drawings.keys.sorted()
        var generator = MersenneTwister(seed: options.splitSeed)
        var trainItems: [(collection: Int, index: Int, label: Int32)] = []
        var testItems: [(collection: Int, index: Int, label: Int32)] = []
        for (label, className) in classNames.enumerated() {
            let items = drawings[className]!.sorted { $0.path < $1.path }
            guard items.count > options.testPerClass else {
                throw InputError(
                    file: sources.joined(separator: ", "),
                    "class \(className) has \(items.count) drawings, not more than test_per_class "
                        + "\(options.testPerClass)"
                )
            }
            let permutation = generator.permutation(items.count)
            let testPositions = Set(permutation.prefix(options.testPerClass))
            for (position, item) in items.enumerated() {
                let entry = (item.collection, item.index, Int32(label))
                if testPositions.contains(position) { testItems.append(entry) } else { trainItems.append(entry) }
            }
        }
        func split(_ items: [(collection: Int, index: Int, label: Int32)]) throws -> DataSplit {
            // Decode per collection (each decodes in parallel), then put samples back in order.
            var shape: [Int]?
            var pixelsOfItem = [ArraySlice<UInt8>](repeating: [], count: items.count)
            for (c, collection) in collections.enumerated() {
                let positions = items.indices.filter { items[$0].collection == c }
                if positions.isEmpty { continue }
                let decoded = try collection.decodeAll(
                    positions.map { items[$0].index }, resize: options.resize, invert: options.invert)
                if let shape, shape != decoded.sampleShape {
                    throw InputError(
                        file: collection.source, "drawings are \(decoded.sampleShape), others are \(shape)")
                }
                shape = decoded.sampleShape
                let size = decoded.sampleShape.reduce(1, *)
                for (k, position) in positions.enumerated() {
                    pixelsOfItem[position] = decoded.pixels[(k * size)..<((k + 1) * size)]
                }
            }
            var pixels: [UInt8] = []
            pixels.reserveCapacity(pixelsOfItem.reduce(0) { $0 + $1.count })
            for slice in pixelsOfItem { pixels += slice }
            return DataSplit(sampleShape: shape ?? [1, 1, 1], storage: .bytes(pixels), labels: items.map(\.label))
        }
        return Dataset(
            name: "omniglot", classNames: classNames, train: try split(trainItems), test: try split(testItems),
            source: sources.joined(separator: ", "))
    }
}
