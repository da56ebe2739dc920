import CLTensor
import Foundation

/// Continual training of a prototype network, task after task: what `psenn` and
/// `prob-psenn` share (they differ only in whether prototypes are points or Gaussians).
///
/// Per task: the new classes get `prototypes_per_class` prototypes each, initialised at
/// the current encodings of that many randomly chosen training samples of the class (Li
/// et al. draw prototypes uniformly in [0, 1)^d; with prototypes owned by classes and an
/// encoder that has already moved, starting on the class's own data is the natural
/// choice), and the output layer grows by their rows and the new classes' columns. Then
/// one run of the `TrainingLoop` with `PrototypeObjective` over parameter groups:
/// autoencoder and output layer at the protocol's rate and weight decay; the current
/// task's prototypes at the protocol's rate without weight decay (shrinking prototypes is
/// the KL prior's job); the earlier tasks' prototypes frozen (`anchor: freeze`), or
/// trained and pulled back to their distributions as they were before this task
/// (`anchor: kl`, Prob-PSENN only), or trained freely (`anchor: none`, an ablation).
/// The encoder and output layer are never protected: there is no replay, so forgetting
/// comes from their drift, as for `finetune`.
///
/// Randomness: the run's seed splits into, in order, initialisation, batch order,
/// prototype initialisation, prototype draws during training, and the explanation
/// diagnostics; `psenn` makes the same splits, so `prob-psenn` with σ → 0 and λ_KL = 0
/// trains exactly like `psenn` (a test checks this).
final class PrototypeLearning: StateContainer {
    enum Anchor: String, CaseIterable, HyperparameterChoice { case freeze, kl, none }

    struct Settings {
        var prototypesPerClass: Int
        var latentDimension: Int
        var objective: PrototypeObjective
        var anchor: Anchor
        var probabilistic: Bool
        /// Initial σ of every prototype dimension (probabilistic only).
        var initialScale: Float
        /// Draws per prediction and for the explanation diagnostics.
        var monteCarloSamples: Int
    }

    let network: PrototypeNetwork
    let settings: Settings
    let loop: TrainingLoop
    let curves = TrainingCurves()
    let context: LearnerContext
    @Saved private var batchOrder: SeededGenerator
    @Saved private var prototypeInitialization: SeededGenerator
    @Saved private var sampler: SeededGenerator
    @Saved private var explanations: SeededGenerator
    @Saved private var changeRates: [Double] = []

    init(config: LearnerConfig, context: LearnerContext, settings: Settings) throws {
        guard config.backbone.kind == "mlp" else {
            throw HyperparameterError(
                key: "backbone.kind",
                message:
                    "psenn and prob-psenn build an MLP autoencoder from backbone { kind: mlp, widths: [...] }, "
                    + "got '\(config.backbone.kind)'"
            )
        }
        guard config.backbone.widths.allSatisfy({ $0 > 0 }) else {
            throw HyperparameterError(
                key: "backbone.widths", message: "hidden widths must be positive, got \(config.backbone.widths)")
        }
        var root = SeededGenerator(seed: context.seed)
        var initialization = root.split()
        network = PrototypeNetwork(
            sampleShape: context.sampleShape, hiddenWidths: config.backbone.widths,
            latentDimension: settings.latentDimension, probabilistic: settings.probabilistic,
            generator: &initialization)
        batchOrder = root.split()
        prototypeInitialization = root.split()
        sampler = root.split()
        explanations = root.split()
        self.settings = settings
        self.context = context
        loop = TrainingLoop(config: config.training, context: context)
    }

    static let prototypesPerClass = Hyperparameter<Int>(
        "prototypes_per_class", default: 2, .within(1...1 << 16),
        help: "prototypes added per new class (Li et al. use 15 for all 10 MNIST classes).")
    static let latentDimension = Hyperparameter<Int>(
        "latent_dimension", default: 40, .within(1...1 << 20),
        help: "dimension of the latent space of encodings and prototypes (40 = 2x2x10 in Li et al.'s code).")
    static let reconstructionWeight = Hyperparameter<Double>(
        "lambda_reconstruction", default: 0.05, .atLeast(0),
        help: "weight of the reconstruction error (summed over pixels) relative to cross-entropy.")
    static let r1Weight = Hyperparameter<Double>(
        "lambda_1", default: 0.05, .atLeast(0),
        help: "weight of R1: each current prototype close to some encoding of the batch.")
    static let r2Weight = Hyperparameter<Double>(
        "lambda_2", default: 0.05, .atLeast(0),
        help: "weight of R2: each encoding of the batch close to some prototype.")
    /// The hyperparameters both learners take, with Li et al.'s loss ratio as defaults.
    static let sharedHyperparameters = [
        prototypesPerClass.spec, latentDimension.spec, reconstructionWeight.spec,
        r1Weight.spec, r2Weight.spec,
    ]

    // prob-psenn's own (read only when probabilistic).
    static let anchorWeight = Hyperparameter<Double>(
        "anchor_weight", default: 1.0, .atLeast(0),
        help: "weight of the KL to the previous posterior (anchor: kl only).")
    static let klWeight = Hyperparameter<Double>(
        "lambda_kl", default: 0.001, .atLeast(0),
        help: "weight of the mean KL of the prototype distributions to the N(0, I) prior.")
    static let initialSigma = Hyperparameter<Double>(
        "initial_sigma", default: 0.1, .greaterThan(0),
        help: "initial standard deviation of every prototype dimension.")
    static let monteCarloSamples = Hyperparameter<Int>(
        "mc_samples", default: 32, .within(1...1 << 16),
        help: "draws of all prototypes per prediction (S), and for the explanation diagnostics.")

    /// The settings of `config`, whose declarations' rules the parser has checked; `anchor`
    /// is read by each learner from its own declaration (they allow different choices).
    static func settings(_ config: LearnerConfig, anchor: Anchor, probabilistic: Bool) -> Settings {
        let objective = PrototypeObjective(
            reconstructionWeight: Float(config[reconstructionWeight]),
            r1Weight: Float(config[r1Weight]), r2Weight: Float(config[r2Weight]),
            klWeight: probabilistic ? Float(config[klWeight]) : 0,
            anchorWeight: probabilistic ? Float(config[anchorWeight]) : 0)
        return Settings(
            prototypesPerClass: config[prototypesPerClass], latentDimension: config[latentDimension],
            objective: objective, anchor: anchor, probabilistic: probabilistic,
            initialScale: probabilistic ? Float(config[initialSigma]) : 0,
            monteCarloSamples: probabilistic ? config[monteCarloSamples] : 1)
    }

    func learn(_ task: TaskData) throws {
        let bank = network.prototypes
        let snapshot = settings.anchor == .kl && bank.count > 0 ? bank.snapshot() : nil
        let (means, owners) = try initialPrototypes(task)
        bank.add(means: means, classes: owners, initialScale: settings.initialScale)
        network.output.grow(newPrototypeClasses: owners, classes: task.seenClassCount)

        var sets = [
            ParameterSet("autoencoder", network.autoencoder.parameters),
            ParameterSet("output", [network.output.weight]),
            ParameterSet("prototypes", bank.currentParameters, weightDecay: 0),
        ]
        if !bank.oldParameters.isEmpty {
            sets.append(
                ParameterSet("old_prototypes", bank.oldParameters, weightDecay: 0, frozen: settings.anchor == .freeze))
        }
        var draws = sampler
        let objective = settings.objective
        try loop.run(on: TrainingSet(task), task: task.index, parameters: sets, curves: curves, generator: &batchOrder)
        { batch in
            objective.loss(batch, network: network, anchor: snapshot, generator: &draws)
        }
        sampler = draws
        PrototypeExplanations.record(
            network, task: task, samples: settings.monteCarloSamples, changeRates: &changeRates,
            generator: &explanations, context: context)
    }

    /// Means [k · classes, d] and owners of the new prototypes: encodings of randomly
    /// chosen training samples of each new class (with replacement).
    private func initialPrototypes(_ task: TaskData) throws -> (Tensor, [Int]) {
        var chosen: [Int] = [], owners: [Int] = []
        for c in task.classes {
            let positions = task.labels.indices.filter { Int(task.labels[$0]) == c }
            guard !positions.isEmpty else {
                throw EmptyClassError(task: task.index, learnerLabel: c)
            }
            for _ in 0..<settings.prototypesPerClass {
                chosen.append(positions[prototypeInitialization.nextInt(below: positions.count)])
                owners.append(c)
            }
        }
        let inputs = task.inputs(at: chosen)
        return (
            network.autoencoder.encodings(of: inputs.reshaped([chosen.count, network.autoencoder.inputSize])), owners
        )
    }

    /// Logits over the classes learned so far with the prototype means (PSENN's prediction,
    /// and Prob-PSENN's σ → 0 limit).
    func logitsWithMeans(_ batch: Tensor) -> Prediction {
        let rows = batch.shape[0]
        guard network.classCount > 0 else { return Prediction(scores: Tensor(shape: [rows, 0])) }
        let encodings = Variable(
            network.autoencoder.encodings(of: batch.reshaped([rows, network.autoencoder.inputSize])))
        return Prediction(
            scores: withoutGradient { network.logits(encodings: encodings, prototypes: network.prototypes.means).value }
        )
    }
}

/// A task without a training sample of one of its classes: no prototype can start there.
struct EmptyClassError: Error, CustomStringConvertible {
    let task: Int, learnerLabel: Int
    var description: String {
        "task \(task) has no training sample of class \(learnerLabel) to initialise its prototypes from"
    }
}
