import CLData
import CLEval
import Foundation

/// Resolves a protocol's dataset block to a loaded dataset.
enum DatasetLoading {
    static func load(_ spec: DatasetSpec, dataDirectory: String?, protocolPath: String) throws -> Dataset {
        var directories: [String] = []
        if let dataDirectory { directories.append(dataDirectory) }
        if let environment = ProcessInfo.processInfo.environment["CL_BENCH_DATA"], !environment.isEmpty { directories.append(environment) }
        directories.append((NSHomeDirectory() as NSString).appendingPathComponent(".cache/cl-bench"))
        let names = ["mnist": (["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], [String]()),
                     "fashion-mnist": (["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
                                       ["/usr/share/datasets/fashion-mnist"])]
        guard let (classNames, fallbacks) = names[spec.name] else {
            throw InputError(file: protocolPath, "dataset.name: unknown dataset '\(spec.name)'")
        }
        for directory in directories.flatMap({ [($0 as NSString).appendingPathComponent(spec.name), $0] }) + fallbacks {
            if IDXReader.locateFiles(in: directory) != nil {
                return try IDXReader.loadDataset(directory: directory, name: spec.name, classNames: classNames)
            }
        }
        throw InputError(file: protocolPath, "dataset '\(spec.name)' not found in \(directories.joined(separator: ", "))")
    }
}
