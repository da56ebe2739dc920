import CLTensor
import Foundation

/// Remembers the features a frozen trainable backbone computed for each test batch, so
/// that learners on a frozen backbone (`nmc`, `teen`) pay for a test batch's forward
/// pass once per run instead of once per evaluation: the runner evaluates every task's
/// test set after every task (T + 1 times), and after the base session the features of a
/// given batch never change. On CIFAR-10 with ResNet-20 this removed most of the
/// evaluation time (see the report of the FSCIL runs).
///
/// Keyed by the batch's identity in the run (`TestBatch`: task and chunk, which always hold
/// the same samples), not by its content; entries belong to one backbone object, so
/// replacing the backbone (after the base session) starts afresh. Backbones without
/// parameters (`identity`) are not memoised.
final class FrozenFeatureMemo: @unchecked Sendable {
    private struct Key: Hashable { let task: Int, chunk: Int }
    private var owner: ObjectIdentifier?
    private var entries: [Key: Tensor] = [:]
    private let lock = NSLock()

    /// Features of `batch` from `backbone`, computed at most once per batch identity.
    func features(of batch: TestBatch, using backbone: any FeatureExtractor) -> Tensor {
        guard let trainable = backbone as? TrainableBackbone else { return backbone.features(of: batch.inputs) }
        let key = Key(task: batch.task, chunk: batch.chunk)
        lock.lock()
        if owner != ObjectIdentifier(trainable) { owner = ObjectIdentifier(trainable); entries = [:] }
        if let hit = entries[key] { lock.unlock(); return hit }
        lock.unlock()
        let features = backbone.features(of: batch.inputs)
        lock.lock()
        if owner == ObjectIdentifier(trainable) { entries[key] = features }
        lock.unlock()
        return features
    }
}
