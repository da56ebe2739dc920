import CLTensor
import Foundation

/// Remembers the features a frozen trainable backbone computed for each test batch, so
/// that learners on a frozen backbone (`nmc`, `teen`) pay for a test batch's forward
/// pass once per run instead of once per evaluation: the runner evaluates every task's
/// test set after every task (T + 1 times), and after the base session the features of a
/// given batch never change. On CIFAR-10 with ResNet-20 this removed most of the
/// evaluation time (see the report of the FSCIL runs).
///
/// Exact, not approximate: an entry is used only when the batch is equal, scalar for
/// scalar, to the one it was computed from (the hash only finds candidates; comparing
/// arrays that share storage, as the runner's cached test batches do, is immediate), and
/// entries belong to one backbone object, so replacing the backbone (after the base
/// session) starts afresh. Backbones without parameters (`identity`) are not memoised.
final class FrozenFeatureMemo: @unchecked Sendable {
    private var owner: ObjectIdentifier?
    private var entries: [Int: [(inputs: Tensor, features: Tensor)]] = [:]
    private let lock = NSLock()

    /// Features of `batch` from `backbone`, computed at most once per distinct batch.
    func features(of batch: Tensor, using backbone: any FeatureExtractor) -> Tensor {
        guard let trainable = backbone as? TrainableBackbone else { return backbone.features(of: batch) }
        let key = Self.key(batch)
        lock.lock()
        if owner != ObjectIdentifier(trainable) { owner = ObjectIdentifier(trainable); entries = [:] }
        if let hit = entries[key]?.first(where: { $0.inputs == batch }) { lock.unlock(); return hit.features }
        lock.unlock()
        let features = backbone.features(of: batch)
        lock.lock()
        if owner == ObjectIdentifier(trainable) { entries[key, default: []].append((batch, features)) }
        lock.unlock()
        return features
    }

    /// A hash of the shape and of up to 256 evenly spaced scalars.
    private static func key(_ batch: Tensor) -> Int {
        var hasher = Hasher()
        hasher.combine(batch.shape)
        let count = batch.count
        let step = max(1, count / 256)
        batch.scalars.withUnsafeBufferPointer { s in
            var i = 0
            while i < count { hasher.combine(s[i].bitPattern); i += step }
        }
        return hasher.finalize()
    }
}
