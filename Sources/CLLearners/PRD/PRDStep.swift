import CLTensor

/// The per-batch closure of PRD on the shared `TrainingLoop` (the code's `process_inc`):
/// both augmented views go through the backbone as one batch of 2B rows (so batch norm sees
/// both, as with the code's `torch.cat`), then
///
///     L = L_sc + prototype_weight · L_p + distill_weight · L_d
///
/// with L_sc the supervised contrastive loss on n(h(g(x))) (temperature τ, scaled by
/// τ / 0.07 as the code's `SupConLoss` does), L_p the prototype loss of the current task's
/// head on detached features (`TaskPrototypes`), and L_d relation distillation from the
/// teacher (`RelationDistillation`), from the second task on. Each part is recorded for the
/// curves (`train_supcon`, `train_prototype`, `train_distill`); train accuracy is the cosine
/// argmax over every prototype, as at test time but on augmented views in training mode.
struct PRDStep {
    /// The teacher: backbone and prototypes as they were at the end of the previous task.
    struct Teacher {
        let backbone: TrainableBackbone
        let prototypes: TaskPrototypes
    }

    let backbone: TrainableBackbone
    let projection: ProjectionHead
    let prototypes: TaskPrototypes
    let teacher: Teacher?
    let weights: PRDWeights
    /// Classes seen so far (columns of the train-accuracy scores).
    let columns: Int

    /// SupCon's reference temperature in the code (`base_temperature`): the loss is
    /// multiplied by τ / 0.07.
    static let baseTemperature: Float = 0.07

    func loss(_ batch: TrainingBatch) -> Variable {
        precondition(batch.views.count == 2, "PRD trains on two views per sample")
        let inputs = withoutGradient { concatenate([Variable(batch.views[0]), Variable(batch.views[1])]).value }
        let labels = batch.viewLabels[0] + batch.viewLabels[1]
        let features = backbone.trainingFeatures(of: inputs)

        let embedding = projection(features).l2Normalized()
        let supcon = Loss.supervisedContrastive(
            features: embedding, labels: labels, temperature: weights.supconTemperature,
            baseTemperature: Self.baseTemperature)
        let prototype = prototypes.prototypeLoss(
            features: features.value, labels: labels, task: prototypes.taskCount - 1)
        batch.record("supcon", Double(supcon.value.scalars[0]))
        batch.record("prototype", Double(prototype.value.scalars[0]))
        var total = supcon + prototype * weights.prototype

        if let teacher, weights.distill != 0 {
            // The code's teacher is a deep copy left in training mode (its `.eval()` is
            // commented out): batch statistics of the current batch, as the student's.
            let teacherFeatures = withoutGradient { teacher.backbone.trainingFeatures(of: inputs).value }
            let distill = RelationDistillation.loss(
                studentFeatures: features, studentPrototypes: prototypes,
                teacherFeatures: teacherFeatures, teacherPrototypes: teacher.prototypes,
                temperature: weights.distillTemperature)
            batch.record("distill", Double(distill.value.scalars[0]))
            total = total + distill * weights.distill
        }
        batch.countCorrect(logits: prototypes.cosineScores(features.value, columns: columns), labels: labels)
        return total
    }
}

/// PRD's loss weights and temperatures (the learner's hyperparameters).
struct PRDWeights {
    var prototype: Float = 2
    var distill: Float = 4
    var supconTemperature: Float = 0.1
    var distillTemperature: Float = 1
}
