import CLData
import CLLearners
import Foundation
import Testing
@testable import CLConfig

// Paths inside a protocol are relative to the protocol file's folder, whatever the working
// directory, and errors name the path that was looked at.

private func protocolText(
    dataset: String, stream: String = "{ kind: class-incremental, classes_per_task: 2 }",
    backbone: String = "{ kind: identity }"
) -> String {
    """
    name: paths
    dataset: \(dataset)
    stream: \(stream)
    backbone: \(backbone)
    learners: [ { name: nmc, train_base: false } ]
    """
}

@Test func pathKeysResolveAgainstTheProtocolsFolder() throws {
    let features = try ProtocolParser.parse(
        text: protocolText(dataset: "{ name: features, path: ../shared/f.h5 }"),
        path: "/work/protocols/p.yaml")
    #expect(features.dataset.options.path == "/work/shared/f.h5")
    let absolute = try ProtocolParser.parse(
        text: protocolText(dataset: "{ name: features, path: /data/f.npz }"),
        path: "/work/protocols/p.yaml")
    #expect(absolute.dataset.options.path == "/data/f.npz")

    let folder = try ProtocolParser.parse(text: protocolText(dataset: "images.tar.gz"), path: "/work/protocols/p.yaml")
    #expect(folder.dataset.name == "/work/protocols/images.tar.gz")
    let catalog = try ProtocolParser.parse(
        text: protocolText(dataset: "{ name: mnist }"), path: "/work/protocols/p.yaml")
    #expect(catalog.dataset.name == "mnist")

    let lists = try ProtocolParser.parse(
        text: protocolText(
            dataset: "cifar100",
            stream: "{ kind: few-shot-incremental, index_lists: splits/c100 }"),
        path: "/work/protocols/p.yaml")
    #expect(lists.stream.indexLists == "/work/protocols/splits/c100")

    let weights = try ProtocolParser.parse(
        text: protocolText(
            dataset: "mnist",
            backbone: "{ kind: efficientnet-lite0, weights: w/lite0.pth }"),
        path: "/work/protocols/p.yaml")
    #expect(weights.backbone.weights == "/work/protocols/w/lite0.pth")
    #expect(weights.learners[0].config.backbone.weights == "/work/protocols/w/lite0.pth")
    let imagenet = try ProtocolParser.parse(
        text: protocolText(
            dataset: "mnist",
            backbone: "{ kind: efficientnet-lite0, weights: imagenet }"),
        path: "/work/protocols/p.yaml")
    #expect(imagenet.backbone.weights == "imagenet")
}

@Test func aRelativeProtocolPathIsTakenFromTheWorkingDirectory() throws {
    let spec = try ProtocolParser.parse(
        text: protocolText(dataset: "{ name: features, path: f.h5 }"), path: "sub/p.yaml")
    let expected = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        .appendingPathComponent("sub/f.h5").standardizedFileURL.path
    #expect(spec.dataset.options.path == expected)
}

@Test func aMissingFileIsNamedByItsResolvedPath() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paths-\(UUID().uuidString)").path
    let spec = try ProtocolParser.parse(
        text: protocolText(dataset: "{ name: features, path: missing.h5 }"),
        path: folder + "/p.yaml")
    let error = try #require(throws: InputError.self) {
        try DatasetCatalog(dataDirectories: []).load(spec.dataset.name, options: spec.dataset.options)
    }
    #expect(error.description.hasPrefix(folder + "/missing.h5: "))
}

/// A sweep writes its grid points into a copy of the protocol in another folder: the copy's
/// paths must still name the original's files.
@Test func aSweepsGeneratedProtocolKeepsThePathsOfTheOriginal() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paths-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/p.yaml"
    try protocolText(dataset: "{ name: features, path: f.h5 }").write(toFile: path, atomically: true, encoding: .utf8)
    let sweep = try SweepParser.parse(
        text: "name: s\nprotocols: [\(path)]\ngrid: { nmc: { metric: [euclidean] } }\n",
        path: "s.yaml")
    let plan = try SweepPlan(spec: sweep, record: SweepRecordFolder(results: folder + "/out", sweepName: "s"))
    let generated = try #require(plan.generatedProtocols.first)
    #expect(!generated.path.hasPrefix(folder + "/p.yaml"))
    let copy = try ProtocolParser.parse(text: generated.text, path: generated.path)
    #expect(copy.dataset.options.path == folder + "/f.h5")
}
