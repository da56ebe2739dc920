import CLTensor

/// The samples a training loop draws mini-batches from: one or more tasks' training data
/// seen as one indexed list (position 0 ..< count), so that `joint` can train on the
/// union of the tasks seen so far without copying pixels, even when tasks differ in
/// their pixel permutation.
public struct TrainingSet: Sendable {
    public let parts: [TaskData]
    /// Start of each part in the combined positions.
    private let offsets: [Int]
    /// Total number of samples.
    public let count: Int

    public init(_ parts: [TaskData]) {
        self.parts = parts
        var offsets: [Int] = []
        var total = 0
        for part in parts { offsets.append(total); total += part.count }
        self.offsets = offsets
        count = total
    }

    public init(_ task: TaskData) { self.init([task]) }

    /// Shape of one sample.
    public var sampleShape: [Int] { parts.first?.sampleShape ?? [] }

    /// The learner label of the sample at combined position `position`.
    public func label(at position: Int) -> Int {
        let part = partIndex(of: position)
        return Int(parts[part].labels[position - offsets[part]])
    }

    /// Every label, in combined order.
    public var labels: [Int] { parts.flatMap { $0.labels.map(Int.init) } }

    /// Inputs and labels of the samples at `positions`, in that order. Positions of one
    /// part are fetched together (one conversion per part), then placed in batch order.
    public func inputs(at positions: [Int]) -> (inputs: Tensor, labels: [Int]) {
        let labels = positions.map { label(at: $0) }
        if parts.count == 1 { return (parts[0].inputs(at: positions), labels) }
        let sampleSize = sampleShape.reduce(1, *)
        var rowsOfPart = [[Int]](repeating: [], count: parts.count)
        var localOfPart = [[Int]](repeating: [], count: parts.count)
        for (row, position) in positions.enumerated() {
            let part = partIndex(of: position)
            rowsOfPart[part].append(row)
            localOfPart[part].append(position - offsets[part])
        }
        var scalars = [Float](repeating: 0, count: positions.count * sampleSize)
        scalars.withUnsafeMutableBufferPointer { out in
            for part in parts.indices where !rowsOfPart[part].isEmpty {
                let fetched = parts[part].inputs(at: localOfPart[part])
                fetched.scalars.withUnsafeBufferPointer { source in
                    for (k, row) in rowsOfPart[part].enumerated() {
                        let from = k &* sampleSize, to = row &* sampleSize
                        for i in 0..<sampleSize { out[to &+ i] = source[from &+ i] }
                    }
                }
            }
        }
        return (Tensor(shape: [positions.count] + sampleShape, scalars: scalars), labels)
    }

    private func partIndex(of position: Int) -> Int {
        precondition(position >= 0 && position < count, "training position \(position) out of range 0..<\(count)")
        // Few parts (one per task): a linear scan from the end is fastest and simplest.
        var part = offsets.count - 1
        while offsets[part] > position { part -= 1 }
        return part
    }
}
