import CLData
import Testing
@testable import CLConfig
@testable import CLResults

private let protocolText = """
    name: split-test
    dataset: { name: mnist }
    stream: { kind: task-incremental, classes_per_task: 2 }
    backbone: { kind: mlp, widths: [100] }
    training: { epochs: 1, batch_size: 64, optimizer: adam, lr: 1.0e-3, preset: cpu-small }
    learners:
      - { name: finetune }
      - { name: nmc, label: nmc-cos, training: { preset: ci-tiny } }
    seeds: [0]
    paper:
      - { learner: finetune, metric: final_task_aware_accuracy, value: 0.9972, setting: "README, 5000 iterations" }
    """

private func parseError(_ text: String) -> String {
    do {
        _ = try ProtocolParser.parse(text: text, path: "p.yaml")
        return "no error"
    } catch {
        return String(describing: error)
    }
}

@Suite("Paper numbers in protocols")
struct PaperReferenceTests {
    @Test("a protocol's paper list is validated by the parser and read back from its text")
    func readsBack() throws {
        _ = try ProtocolParser.parse(text: protocolText, path: "p.yaml")
        let facts = ProtocolTextFacts(text: protocolText)
        #expect(
            facts.paperReferences == [
                PaperReference(
                    learner: "finetune", metric: "final_task_aware_accuracy",
                    value: 0.9972, setting: "README, 5000 iterations")
            ])
        #expect(facts.presets == ["finetune": "cpu-small", "nmc-cos": "ci-tiny"])
    }

    @Test("a reference to no learner, an unknown metric or a percentage is refused with file, line and key")
    func errors() {
        let unknownLearner = protocolText.replacingOccurrences(of: "learner: finetune", with: "learner: fintune")
        #expect(
            parseError(unknownLearner).hasPrefix(
                "p.yaml:11: paper[0].learner: 'fintune' is not a learner of this protocol"))
        let unknownMetric = protocolText.replacingOccurrences(
            of: "metric: final_task_aware_accuracy", with: "metric: top1")
        #expect(parseError(unknownMetric).hasPrefix("p.yaml:11: paper[0].metric: unknown metric 'top1'"))
        let percentage = protocolText.replacingOccurrences(of: "0.9972", with: "99.72")
        #expect(parseError(percentage).contains("paper[0].value: expected a fraction in [0, 1]"))
        #expect(ProtocolTextFacts(text: ": not yaml [").paperReferences.isEmpty)
    }
}
