import CLTensor

/// The per-batch closure of supervised training: cross-entropy (with optional label
/// smoothing) of a classifier head's logits on the backbone's features of the first view,
/// counting train accuracy. `finetune`, `joint` and the base session are this step on the
/// `TrainingLoop`.
public struct CrossEntropyStep {
    public let backbone: TrainableBackbone
    public let head: any ClassifierHead
    public let labelSmoothing: Double

    public init(backbone: TrainableBackbone, head: any ClassifierHead, labelSmoothing: Double = 0) {
        self.backbone = backbone
        self.head = head
        self.labelSmoothing = labelSmoothing
    }

    public func loss(_ batch: TrainingBatch) -> Variable {
        let logits = head.logits(backbone.trainingFeatures(of: batch.inputs))
        batch.countCorrect(logits: logits.value, labels: batch.viewLabels[0])
        return Loss.crossEntropy(logits: logits, labels: batch.viewLabels[0], labelSmoothing: Float(labelSmoothing))
    }
}
