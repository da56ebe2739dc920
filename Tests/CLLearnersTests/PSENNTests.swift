import CLData
import CLTensor
import Foundation
import Testing
@testable import CLLearners

/// The invariants of LEARNERS.md §6 (σ → 0 equals PSENN; the Monte Carlo distribution
/// sums to 1; mutual information ≥ 0 and 0 at σ = 0), the objective's gradients against
/// finite differences, the continual anchors, and the diagnostics the report shows.
@Suite struct PSENNTests {
    static let dimension = 6

    static func tasks() -> [TaskData] {
        [
            TestData.blobs(
                task: 0, classes: [0, 1], seenClassCount: 2, perClass: 24, dimension: dimension, sampleSeed: 1),
            TestData.blobs(
                task: 1, classes: [2, 3], seenClassCount: 4, perClass: 24, dimension: dimension, sampleSeed: 2),
        ]
    }

    static func config(_ type: any Learner.Type, _ given: [String: HyperparameterValue] = [:]) throws -> LearnerConfig {
        var defaults: [String: HyperparameterValue] = ["latent_dimension": .integer(3)]
        for (k, v) in given { defaults[k] = v }
        return try LearnerConfig(
            specs: type.hyperparameters, given: defaults,
            training: TestData.training(epochs: 4, batchSize: 12, lr: 0.01, optimizer: "adam"),
            backbone: BackboneConfig(kind: "mlp", widths: [8]))
    }

    static func context() -> LearnerContext { TestData.context(sampleShape: [dimension], classes: 4, tasks: 2) }

    /// Largest |a − b|; NaN anywhere gives NaN, which fails every `<` below.
    static func largestDifference(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .nan }
        var worst: Float = 0
        for i in 0..<a.count {
            let d = Swift.abs(a.scalars[i] - b.scalars[i])
            if d.isNaN { return .nan }
            worst = Swift.max(worst, d)
        }
        return worst
    }

    @Test func vanishingSigmaTrainsAndPredictsExactlyLikePSENN() throws {
        var deterministic = try PSENN(config: Self.config(PSENN.self), context: Self.context())
        var probabilistic = try ProbPSENN(
            config: Self.config(ProbPSENN.self, ["initial_sigma": .number(1e-30), "lambda_kl": .number(0)]),
            context: Self.context())
        for task in Self.tasks() {
            try deterministic.learn(task)
            try probabilistic.learn(task)
            let inputs = TestData.all(task).inputs
            #expect(
                deterministic.learning.network.prototypes.means.value
                    == probabilistic.learning.network.prototypes.means.value)
            var generator = SeededGenerator(seed: 3)
            let expected = deterministic.predictDistribution(inputs, task: nil, generator: &generator)
            let sampled = probabilistic.predictDistribution(inputs, task: nil, generator: &generator)
            #expect(Self.largestDifference(expected.probabilities, sampled.probabilities) < 1e-6)
            #expect(expected.prediction.argmax() == sampled.prediction.argmax())
            let information = Self.mutualInformation(sampled)
            #expect(
                information.allSatisfy { $0 >= 0 && $0 < 1e-9 },
                "mutual information at σ = 0: \(information.max() ?? .nan)")
        }
    }

    /// H[p] − E_s H[p_s] per row, as the runner computes it.
    static func mutualInformation(_ distribution: PredictiveDistribution) -> [Double] {
        let p = distribution.probabilities, classes = p.shape[1]
        return (0..<p.shape[0]).map { row in
            MonteCarloPrediction.entropy(p.scalars[(row * classes)..<((row + 1) * classes)])
                - distribution.expectedEntropy![row]
        }
    }

    @Test func monteCarloDistributionSumsToOneWithPositiveMutualInformation() throws {
        var learner = try ProbPSENN(
            config: Self.config(ProbPSENN.self, ["initial_sigma": .number(1.0)]), context: Self.context())
        for task in Self.tasks() { try learner.learn(task) }
        let inputs = TestData.all(Self.tasks()[1]).inputs
        var generator = SeededGenerator(seed: 5)
        let distribution = learner.predictDistribution(inputs, task: nil, generator: &generator)
        #expect(distribution.probabilities.shape == [inputs.shape[0], 4])
        for row in 0..<distribution.probabilities.shape[0] {
            let total = distribution.probabilities.scalars[(row * 4)..<((row + 1) * 4)].reduce(0, +)
            #expect(Swift.abs(total - 1) < 1e-5, "row \(row) sums to \(total)")
        }
        let information = Self.mutualInformation(distribution)
        #expect(information.allSatisfy { $0 >= 0 }, "negative mutual information \(information.min() ?? .nan)")
        #expect((information.max() ?? 0) > 1e-4, "σ > 0 but the draws agree everywhere")
        var again = SeededGenerator(seed: 5)
        #expect(
            learner.predictDistribution(inputs, task: nil, generator: &again).probabilities
                == distribution.probabilities)
    }

    @Test func frozenAnchorKeepsOldPrototypesBitIdentical() throws {
        for type in [PSENN.self, ProbPSENN.self] as [any Learner.Type] {
            let learning: PrototypeLearning
            if type == PSENN.self {
                var l = try PSENN(config: Self.config(PSENN.self), context: Self.context())
                try l.learn(Self.tasks()[0]); learning = l.learning
            } else {
                var l = try ProbPSENN(config: Self.config(ProbPSENN.self), context: Self.context())
                try l.learn(Self.tasks()[0]); learning = l.learning
            }
            let before = learning.network.prototypes.means.value
            let scalesBefore = learning.network.prototypes.scales
            try learning.learn(Self.tasks()[1])
            let after = learning.network.prototypes.means.value
            #expect(Array(after.scalars.prefix(before.count)) == before.scalars, "\(type.name): old prototypes moved")
            #expect(
                Array(learning.network.prototypes.scales.scalars.prefix(scalesBefore.count)) == scalesBefore.scalars)
            #expect(after.shape == [8, 3])
        }
    }

    @Test func klAnchorIsZeroAtItsSnapshotAndLetsOldPrototypesMove() throws {
        var learner = try ProbPSENN(
            config: Self.config(ProbPSENN.self, ["anchor": .text("kl")]), context: Self.context())
        try learner.learn(Self.tasks()[0])
        let bank = learner.learning.network.prototypes
        let kl = bank.klToSnapshot(bank.snapshot()).value.scalars[0]
        #expect(Swift.abs(kl) < 1e-6, "KL of a distribution to itself: \(kl)")
        let before = bank.means.value
        try learner.learn(Self.tasks()[1])
        #expect(Array(bank.means.value.scalars.prefix(before.count)) != before.scalars)
    }

    /// The KL terms and the whole per-batch objective (CE on a draw, reconstruction, R_1,
    /// R_2, KL prior, KL anchor) against central differences in μ, log σ and W, the draw
    /// fixed by reseeding the generator for every evaluation.
    @Test func objectiveGradientsMatchFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 11)
        let network = PrototypeNetwork(
            sampleShape: [Self.dimension], hiddenWidths: [5], latentDimension: 3, probabilistic: true,
            generator: &generator)
        var initial = Tensor(shape: [4, 3])
        for i in 0..<initial.count { initial.scalars[i] = generator.nextNormal() }
        network.prototypes.add(means: initial.rows(0..<2), classes: [0, 1], initialScale: 0.4)
        let anchor = network.prototypes.snapshot()
        network.prototypes.add(means: initial.rows(2..<4), classes: [2, 3], initialScale: 0.7)
        network.output.grow(newPrototypeClasses: [0, 1, 2, 3], classes: 4)
        let (inputs, labels) = TestData.all(Self.tasks()[1])
        let batch = TrainingBatch(
            views: [inputs.rows(0..<10)], viewLabels: [Array(labels.prefix(10))], labels: Array(labels.prefix(10)),
            positions: Array(0..<10), task: 1, epoch: 1, step: 0, scheduleFactor: 1)
        let objective = PrototypeObjective(
            reconstructionWeight: 0.05, r1Weight: 0.05, r2Weight: 0.05, klWeight: 0.1, anchorWeight: 0.5)
        func loss() -> Variable {
            var draws = SeededGenerator(seed: 21)
            return objective.loss(batch, network: network, anchor: anchor, generator: &draws)
        }
        let bank = network.prototypes
        let variables = bank.blocks.flatMap { [$0.means, $0.logScales!] } + [network.output.weight]
        for v in variables { v.zeroGradient() }
        loss().backward()
        for (index, variable) in variables.enumerated() {
            let analytic = variable.grad!
            let step: Float = 1e-2
            var worst: Float = 0
            for element in 0..<variable.value.count {
                let original = variable.value.scalars[element]
                variable.value.scalars[element] = original + step
                let plus = Double(withoutGradient { loss() }.value.scalars[0])
                variable.value.scalars[element] = original - step
                let minus = Double(withoutGradient { loss() }.value.scalars[0])
                variable.value.scalars[element] = original
                let numeric = Float((plus - minus) / (2 * Double(step)))
                let error = Swift.abs(numeric - analytic.scalars[element]) / Swift.max(1, Swift.abs(numeric))
                // Swift.max drops a NaN; keep it so that the expectation below fails on it.
                worst = error.isNaN || worst.isNaN ? .nan : Swift.max(worst, error)
            }
            #expect(worst < 2e-2, "variable \(index): worst relative gradient error \(worst)")
        }
    }

    @Test func klToStandardNormalMatchesTheClosedFormAndIsZeroAtThePrior() {
        let bank = PrototypeBank(dimension: 2, probabilistic: true)
        bank.add(means: Tensor(shape: [1, 2], scalars: [0, 0]), classes: [0], initialScale: 1)
        #expect(Swift.abs(bank.klToStandardNormal().value.scalars[0]) < 1e-7)
        bank.add(means: Tensor(shape: [1, 2], scalars: [1, -2]), classes: [1], initialScale: 0.5)
        // Second prototype: ½ Σ (0.25 + μ² − 1) − 2 log 0.5 = ½ (0.25 + 1 − 1 + 0.25 + 4 − 1) + 2 ln 2.
        let expected = (0.5 * (0.25 + 1 - 1 + 0.25 + 4 - 1) + 2 * Foundation.log(2.0)) / 2
        #expect(Swift.abs(Double(bank.klToStandardNormal().value.scalars[0]) - expected) < 1e-5)
    }

    @Test func explanationsAreRecordedForTheReport() throws {
        let context = Self.context()
        var learner = try ProbPSENN(config: Self.config(ProbPSENN.self, ["mc_samples": .integer(8)]), context: context)
        for task in Self.tasks() { try learner.learn(task) }
        let images = try #require(context.diagnostics["prototype_images"])
        #expect(images.shape == [8, Self.dimension])
        #expect(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(context.diagnostics["prototype_classes"]?.scalars == [0, 0, 1, 1, 2, 2, 3, 3])
        let spread = try #require(context.diagnostics["prototype_spread"])
        #expect(spread.scalars.count == 8 && spread.scalars.allSatisfy { $0 > 0 && $0 < 0.5 })
        let rates = try #require(context.diagnostics["nearest_prototype_change_rate"])
        #expect(rates.scalars.count == 2 && rates.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        LearnerState.recordCurves(of: learner, in: context)
        #expect(context.diagnostics["train_kl"] != nil && context.diagnostics["train_r1"] != nil)
    }

    @Test func invalidSettingsNameTheirKey() {
        #expect(throws: HyperparameterError.self) {
            try ProbPSENN(config: Self.config(ProbPSENN.self, ["lambda_kl": .number(-1)]), context: Self.context())
        }
        #expect(throws: HyperparameterError.self) {
            try ProbPSENN(config: Self.config(ProbPSENN.self, ["initial_sigma": .number(0)]), context: Self.context())
        }
        #expect(throws: HyperparameterError.self) {
            try PSENN(config: LearnerConfig(specs: PSENN.hyperparameters, given: [:]), context: Self.context())
        }
    }
}
