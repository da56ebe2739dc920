import CLData
import CLResults
import CLTensor

// The runner's side of the results file: the writer and the reader (CLResults) take plain
// values, and these convert the task stream, the tensors and the machine's facts.

extension ResultsWriter.StreamLayout {
    /// What `/stream` records of `stream`.
    public init(_ stream: TaskStream) {
        self.init(
            classOrder: stream.classOrder, taskClasses: stream.tasks.map(\.classes),
            trainCounts: stream.tasks.map(\.trainIndices.count), testCounts: stream.tasks.map(\.testIndices.count),
            recordsTaskAwareAccuracy: stream.kind.recordsTaskAwareAccuracy, fewShot: stream.kind == .fewShotIncremental)
    }
}

extension ResultsWriter {
    /// Creates the results file of a run over `stream`, recording this process's BLAS kernel,
    /// BLAS threads and convolution path.
    /// `anytimePositions`: an online stream's anytime evaluation points.
    public convenience init(
        path: String, metadata: Metadata, stream: TaskStream, anytimePositions: [Int]? = nil
    ) throws {
        var metadata = metadata
        metadata.blasCore = BLASKernel.current
        metadata.blasThreads = BLASKernel.threads
        metadata.convolutionKernels = DirectConvolution.currentName
        var layout = StreamLayout(stream)
        layout.anytimePositions = anytimePositions
        try self.init(path: path, metadata: metadata, layout: layout)
    }

    /// Writes a learner's diagnostics under `/learner/<name>/`.
    public func writeDiagnostics(_ tensors: [String: Tensor], notes: [String: String]) throws {
        try writeDiagnostics(tensors.mapValues(StoredArray.init), notes: notes)
    }

    /// Writes the learner's final weights under `/learner/<name>/weights/<parameter name>`.
    public func writeWeights(_ weights: [String: Tensor]) throws {
        try writeWeights(weights.mapValues(StoredArray.init))
    }
}

extension ResultsReader {
    /// The weights a learner left in a results file, by name, ready for
    /// `loadStateDictionary`; empty when it saved none.
    public static func weights(_ path: String, learner: String) throws -> [String: Tensor] {
        try storedWeights(path, learner: learner).mapValues { Tensor(shape: $0.shape, scalars: $0.scalars) }
    }
}

extension StoredArray {
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, scalars: tensor.scalars)
    }
}
