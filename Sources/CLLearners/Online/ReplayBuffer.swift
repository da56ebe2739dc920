import CLData
import CLTensor

/// A fixed-size memory of past training samples for replay, shared by every learner that
/// replays (`er`, OnPro): it keeps which samples they are (indices into the dataset split,
/// their learner labels, the task's pixel permutation where it has one), never their
/// pixels, and fetches the inputs when a replay batch is drawn. Every random choice comes
/// from its own generator, seeded from the run's seed, and the buffer is a `StatePart`:
/// a learner that holds one checkpoints and resumes it, contents and generator, bit for bit.
///
/// Two ways to decide what stays when the memory is full:
/// - `reservoir` (Vitter's algorithm R, as ER in Chaudhry et al. 2019 and Mammoth): the
///   n-th sample offered replaces a uniformly chosen slot with probability M/n, so the
///   memory is a uniform sample of everything seen.
/// - `class-balanced` (CBRS, Chrysakis & Moens 2020): a sample of a class that is not among
///   the largest in memory replaces a random sample of a largest class; a sample of a
///   largest class replaces a random sample of its own class with probability
///   m_c / n_c (its memory share over its samples seen), so each class keeps about M / C.
public final class ReplayBuffer: StatePart {
    /// How the memory chooses what to keep once full.
    public enum Sampling: String, HyperparameterChoice, Sendable {
        case reservoir
        case classBalanced = "class-balanced"
    }

    /// One remembered sample.
    public struct Entry: Codable, Equatable, Sendable {
        /// Index into the split (`DataSplit`) the stream's tasks share.
        public let index: Int
        public let label: Int
        /// The task whose pixel permutation applies (permuted streams), else nil.
        public let permutationTask: Int?
    }

    /// What is saved in a checkpoint.
    private struct Contents: Codable {
        var entries: [Entry], seen: Int, seenOfClass: [Int: Int]
        var permutations: [Int: [Int]], generator: SeededGenerator
    }

    public let capacity: Int
    public let sampling: Sampling
    public private(set) var entries: [Entry] = []
    /// Samples offered so far.
    public private(set) var seen = 0
    private var seenOfClass: [Int: Int] = [:]
    private var permutations: [Int: [Int]] = [:]
    private var generator: SeededGenerator

    public init(capacity: Int, sampling: Sampling = .reservoir, generator: SeededGenerator) {
        self.capacity = max(0, capacity)
        self.sampling = sampling
        self.generator = generator
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Remembered samples per learner label.
    public var countOfClass: [Int: Int] {
        entries.reduce(into: [:]) { counts, entry in counts[entry.label, default: 0] += 1 }
    }

    /// Offers every sample of `batch`, in batch order.
    public func offer(_ batch: OnlineBatch) {
        for position in batch.positions { offer(batch.source, position: position) }
    }

    /// Offers sample `position` of `task` (an ordinary, not online, stream); the slot it was
    /// written to, or nil when it was not kept.
    @discardableResult
    public func offer(_ task: TaskData, position: Int) -> Int? {
        if let permutation = task.pixelPermutation { permutations[task.index] = permutation }
        return offer(
            Entry(
                index: task.sampleIndices[position], label: Int(task.labels[position]),
                permutationTask: task.pixelPermutation == nil ? nil : task.index))
    }

    /// Offers one sample; the slot it was written to (a learner keeping something beside each
    /// sample, such as DER's logits, writes there too), or nil when it was not kept.
    @discardableResult
    public func offer(_ entry: Entry) -> Int? {
        seen += 1
        seenOfClass[entry.label, default: 0] += 1
        guard capacity > 0 else { return nil }
        if entries.count < capacity {
            entries.append(entry)
            return entries.count - 1
        }
        switch sampling {
        case .reservoir:
            let slot = generator.nextInt(below: seen)
            guard slot < capacity else { return nil }
            entries[slot] = entry
            return slot
        case .classBalanced:
            let counts = countOfClass
            let largest = counts.values.max() ?? 0
            if (counts[entry.label] ?? 0) < largest {
                // Replace a random sample of a largest class (the smallest label among ties).
                let victimClass = counts.filter { $0.value == largest }.keys.min()!
                return replaceRandomSample(of: victimClass, with: entry)
            } else {
                let stored = counts[entry.label] ?? 0, seenOfIt = seenOfClass[entry.label] ?? 1
                if generator.nextUniform() * Float(seenOfIt) < Float(stored) {
                    return replaceRandomSample(of: entry.label, with: entry)
                }
                return nil
            }
        }
    }

    private func replaceRandomSample(of label: Int, with entry: Entry) -> Int? {
        let slots = entries.indices.filter { entries[$0].label == label }
        guard !slots.isEmpty else { return nil }
        let slot = slots[generator.nextInt(below: slots.count)]
        entries[slot] = entry
        return slot
    }

    /// Up to `count` slots drawn without replacement (none when the memory is empty).
    public func sampleSlots(_ count: Int) -> [Int] {
        let n = min(count, entries.count)
        guard n > 0 else { return [] }
        return Array(generator.permutation(entries.count).prefix(n))
    }

    /// Inputs of the samples in `slots`, in that order, from `split` (the split of the stream's tasks).
    public func inputs(ofSlots slots: [Int], from split: DataSplit) -> Tensor {
        inputs(of: slots.map { entries[$0] }, from: split)
    }

    /// Up to `count` remembered samples drawn without replacement: their inputs (from
    /// `split`, the split of the stream's tasks) and labels; nil when the memory is empty.
    public func sample(_ count: Int, from split: DataSplit) -> (inputs: Tensor, labels: [Int])? {
        let slots = sampleSlots(count)
        guard !slots.isEmpty else { return nil }
        let chosen = slots.map { entries[$0] }
        return (inputs(of: chosen, from: split), chosen.map(\.label))
    }

    /// `sample(_:from:)` on the split of `batch`'s task.
    public func sample(_ count: Int, alongside batch: OnlineBatch) -> (inputs: Tensor, labels: [Int])? {
        sample(count, from: batch.source.split)
    }

    /// Inputs of `chosen`, in that order: one fetch per pixel permutation.
    private func inputs(of chosen: [Entry], from split: DataSplit) -> Tensor {
        let groups = Dictionary(grouping: chosen.indices) { chosen[$0].permutationTask ?? -1 }
        if groups.count == 1, let (task, rows) = groups.first {
            return split.batch(rows.map { chosen[$0].index }, permutation: permutations[task])
        }
        let sampleSize = split.sampleShape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: chosen.count * sampleSize)
        for (task, rows) in groups {
            let fetched = split.batch(rows.map { chosen[$0].index }, permutation: permutations[task])
            for (k, row) in rows.enumerated() {
                scalars.replaceSubrange(
                    (row * sampleSize)..<((row + 1) * sampleSize),
                    with: fetched.scalars[(k * sampleSize)..<((k + 1) * sampleSize)])
            }
        }
        return Tensor(shape: [chosen.count] + split.sampleShape, scalars: scalars)
    }

    public func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        try checkpoint.store(
            Contents(
                entries: entries, seen: seen, seenOfClass: seenOfClass, permutations: permutations,
                generator: generator), as: name)
    }

    public func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        let contents = try checkpoint.value(Contents.self, named: name)
        guard contents.entries.count <= capacity else {
            throw LearnerCheckpoint.Mismatch(
                name: name, detail: "\(contents.entries.count) samples for a memory of \(capacity)")
        }
        (entries, seen, seenOfClass) = (contents.entries, contents.seen, contents.seenOfClass)
        (permutations, generator) = (contents.permutations, contents.generator)
    }
}
