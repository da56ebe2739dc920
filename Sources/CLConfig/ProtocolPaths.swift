import CLData
import Foundation
import Yams

/// Paths written in a protocol (`dataset.path`, a dataset name that is a path,
/// `stream.index_lists`, a pretrained backbone's `weights` file) are relative to the
/// protocol file's folder, not to the working directory: a protocol and the files it names
/// move together, and a run gives the same result from any folder. The parser resolves
/// them here, once, so every later error names the path actually looked at.
enum ProtocolPaths {
    /// `path` against the folder of the protocol at `protocolPath` (which may itself be
    /// relative to the working directory); absolute paths stay as they are.
    static func resolve(_ path: String, protocolPath: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = URL(fileURLWithPath: protocolPath).deletingLastPathComponent()
        return URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.path
    }

    /// Whether a dataset name names files rather than a dataset of the catalog.
    static func datasetNameIsPath(_ name: String) -> Bool { DatasetCatalog.canonicalName(name) == nil }

    /// Whether a backbone's `weights` value names a file rather than the built-in "imagenet".
    static func weightsArePath(_ weights: String) -> Bool { weights != "imagenet" }

    /// The protocol's top-level mapping with every relative path made absolute, for a copy
    /// of the protocol written in another folder (a sweep's generated protocols).
    static func absolute(_ top: Node.Mapping, protocolPath: String) -> Node.Mapping {
        func resolved(_ node: Node, when isPath: (String) -> Bool = { _ in true }) -> Node {
            guard case .scalar(let scalar) = node, isPath(scalar.string) else { return node }
            return Node(resolve(scalar.string, protocolPath: protocolPath))
        }
        func backbone(_ node: Node) -> Node {
            guard case .mapping(var fields) = node, let weights = fields["weights"] else { return node }
            fields["weights"] = resolved(weights, when: weightsArePath)
            return .mapping(fields)
        }
        var top = top
        if let dataset = top["dataset"] {
            switch dataset {
            case .scalar: top["dataset"] = resolved(dataset, when: datasetNameIsPath)
            case .mapping(var fields):
                if let name = fields["name"] { fields["name"] = resolved(name, when: datasetNameIsPath) }
                if let path = fields["path"] { fields["path"] = resolved(path) }
                top["dataset"] = .mapping(fields)
            default: break
            }
        }
        if case .mapping(var fields)? = top["stream"], let lists = fields["index_lists"] {
            fields["index_lists"] = resolved(lists)
            top["stream"] = .mapping(fields)
        }
        if let node = top["backbone"] { top["backbone"] = backbone(node) }
        if case .sequence(var learners)? = top["learners"] {
            for index in learners.indices {
                guard case .mapping(var entry) = learners[index], let node = entry["backbone"] else { continue }
                entry["backbone"] = backbone(node)
                learners[index] = .mapping(entry)
            }
            top["learners"] = .sequence(learners)
        }
        return top
    }
}
