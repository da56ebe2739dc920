import CLTensor

/// NAPA-VQ's settings, from the learner's hyperparameters.
public struct NAPAVQSettings: Sendable, Equatable {
    public var temperature: Float = 0.1
    public var separationWeight: Float = 1
    public var separationScale: Float = 0.001
    public var augmentationWeight: Float = 10
    public var distillationWeight: Float = 10
    public var draws = 64
    public var augmentPrototypes = true

    public init() {}
}

/// The per-batch closure of NAPA-VQ on the `TrainingLoop` (the body of
/// `NAPAVQ._compute_loss` and `NAVQ.forward`), with the state it carries from batch to
/// batch: the topology and the draws of prototype augmentation.
///
/// On a batch of rotated images (labels 4y + k) with features F:
/// - L_DCE = CE(−||F − C|| / T, labels) over every code vector, old ones included;
/// - the topology is refreshed from F, then L_NA(F) reads it (see `NeuralGasTopology`);
/// - after the base task, with the frozen previous network F_old:
///   L_KD = ||F − F_old||_F, and (unless `augmentPrototypes` is false, the ablation)
///   `draws` augmented old-class prototypes p̃ refresh the topology in turn (as the
///   code's second `self.navq(proto_aug, ...)` call does) and add L_NA(p̃) and
///   L_PA = CE(−||p̃ − C|| / T, 4c);
/// - total: L_DCE + λ_NA (L_NA(F) + L_NA(p̃)) + λ_PA L_PA + λ_KD L_KD.
///
/// The topology refresh runs here, inside the closure, not after the optimiser step: in
/// the code the refreshed edges are the ones the same batch's L_NA uses.
final class NAPAVQStep {
    let backbone: TrainableBackbone
    let codeVectors: CodeVectors
    let teacher: TrainableBackbone?
    let settings: NAPAVQSettings
    /// Classes learned before this task (0 in the base task).
    let oldClasses: Int
    let augmentation: PrototypeAugmentation
    var topology: NeuralGasTopology
    var generator: SeededGenerator

    init(
        backbone: TrainableBackbone, codeVectors: CodeVectors, teacher: TrainableBackbone?, settings: NAPAVQSettings,
        oldClasses: Int, augmentation: PrototypeAugmentation, topology: NeuralGasTopology, generator: SeededGenerator
    ) {
        self.backbone = backbone
        self.codeVectors = codeVectors
        self.teacher = teacher
        self.settings = settings
        self.oldClasses = oldClasses
        self.augmentation = augmentation
        self.topology = topology
        self.generator = generator
    }

    func loss(_ batch: TrainingBatch) -> Variable {
        let inputs = batch.views[0], labels = batch.viewLabels[0]
        let features = backbone.trainingFeatures(of: inputs)
        let codes = codeVectors.all
        let squared = NAPAVQLosses.squaredDistances(features, codes)
        let logits = NAPAVQLosses.distanceLogits(squaredDistances: squared, temperature: settings.temperature)
        batch.countCorrect(logits: logits.value, labels: labels)
        let distanceCE = Loss.crossEntropy(logits: logits, labels: labels)
        var separation = separationLoss(squared, labels: labels)
        var total = distanceCE
        batch.record("dce", Double(distanceCE.value.scalars[0]))

        if oldClasses > 0, let teacher {
            let teacherFeatures = withoutGradient { teacher.features(of: inputs) }
            let distillation = NAPAVQLosses.featureDistillation(student: features, teacher: teacherFeatures)
            batch.record("kd", Double(distillation.value.scalars[0]))
            total = total + distillation * settings.distillationWeight
            if settings.augmentPrototypes && settings.draws > 0 {
                let (points, pointLabels) = augmentation.draw(
                    count: settings.draws, oldClasses: oldClasses, topology: topology,
                    generator: &generator)
                let augmentedSquared = NAPAVQLosses.squaredDistances(Variable(points), codes)
                separation = separation + separationLoss(augmentedSquared, labels: pointLabels)
                let augmentedLogits = NAPAVQLosses.distanceLogits(
                    squaredDistances: augmentedSquared,
                    temperature: settings.temperature)
                let augmentationCE = Loss.crossEntropy(logits: augmentedLogits, labels: pointLabels)
                batch.record("pa", Double(augmentationCE.value.scalars[0]))
                total = total + augmentationCE * settings.augmentationWeight
            }
        }
        batch.record("na", Double(separation.value.scalars[0]))
        return total + separation * settings.separationWeight
    }

    /// Refreshes the topology from these points, then L_NA on the refreshed edges.
    private func separationLoss(_ squared: Variable, labels: [Int]) -> Variable {
        let neighbours = topology.update(squaredDistances: squared.value, neighboursOf: Set(labels))
        let coefficients = NeighbourhoodSeparation.coefficients(
            squaredDistances: squared.value, labels: labels,
            neighbours: neighbours, scale: settings.separationScale)
        return NeighbourhoodSeparation.loss(squaredDistances: squared, coefficients: coefficients)
    }
}
