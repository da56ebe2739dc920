import CLConfig
import CLData
import Foundation

/// Resolves a protocol's dataset block through the dataset catalog (lookup order:
/// --data-dir, $CL_BENCH_DATA, ~/.cache/cl-bench), naming the protocol file in errors.
enum DatasetLoading {
    static func catalog(dataDirectory: String?) -> DatasetCatalog {
        DatasetCatalog(dataDirectories: [dataDirectory].compactMap { $0 }, log: { say($0) })
    }

    static func load(_ spec: DatasetSpec, dataDirectory: String?, protocolPath: String) throws -> Dataset {
        do {
            return try catalog(dataDirectory: dataDirectory).load(spec.name, options: spec.options)
        } catch let error as InputError where error.file.isEmpty {
            throw InputError(file: protocolPath, error.message)
        }
    }
}
