import CLData
import CLTensor
import Testing
@testable import CLLearners

/// Features of `rows` vectors as an [n, d] tensor.
private func matrix(_ rows: [[Float]]) -> Tensor {
    Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
}

private func randomRows(_ n: Int, _ d: Int, using generator: inout some RandomNumberGenerator) -> [[Float]] {
    (0..<n).map { _ in (0..<d).map { _ in Float.random(in: -2...2, using: &generator) } }
}

private let identity4 = IdentityBackbone(sampleShape: [4])

@Test(arguments: [NearestMeanClassifier.Metric.cosine, .euclidean])
func streamingMeanEqualsBatchMeanForAnyOrder(metric: NearestMeanClassifier.Metric) {
    var generator = SystemRandomNumberGenerator()
    let rows = randomRows(50, 4, using: &generator)
    let labels: [Int32] = (0..<50).map { Int32($0 % 3) }
    var whole = NearestMeanClassifier(metric: metric, backbone: identity4)
    whole.accumulate(matrix(rows), labels: labels)
    var shuffled = NearestMeanClassifier(metric: metric, backbone: identity4)
    let order = Array(0..<50).shuffled(using: &generator)
    for chunk in stride(from: 0, to: 50, by: 7) {
        let part = order[chunk..<min(chunk + 7, 50)]
        shuffled.accumulate(matrix(part.map { rows[$0] }), labels: part.map { labels[$0] })
    }
    // Batch mean written directly from the definition.
    for c in 0..<3 {
        let members = (0..<50).filter { labels[$0] == Int32(c) }
        for k in 0..<4 {
            let values: [Double] = members.map { i in
                let v = rows[i].map(Double.init)
                let norm = metric == .euclidean ? v.map { $0 * $0 }.reduce(0, +).squareRoot() : 1
                return v[k] / norm
            }
            let expected = values.reduce(0, +) / Double(values.count)
            #expect(abs(Double(whole.prototypes.scalars[c * 4 + k]) - expected) < 1e-6)
            #expect(abs(Double(shuffled.prototypes.scalars[c * 4 + k]) - expected) < 1e-6)
        }
    }
}

@Test func learningNewClassesLeavesOldPrototypesBitIdentical() {
    var generator = SystemRandomNumberGenerator()
    var nmc = NearestMeanClassifier(metric: .cosine, backbone: identity4)
    nmc.accumulate(matrix(randomRows(20, 4, using: &generator)), labels: (0..<20).map { Int32($0 % 2) })
    let before = nmc.prototypes
    nmc.accumulate(matrix(randomRows(20, 4, using: &generator)), labels: (0..<20).map { Int32(2 + $0 % 2) })
    let after = nmc.prototypes
    #expect(Array(after.scalars[0..<8]) == before.scalars)
    #expect(after.shape == [4, 4])
}

@Test func cosinePredictionsIgnorePositiveScaling() {
    var generator = SystemRandomNumberGenerator()
    var nmc = NearestMeanClassifier(metric: .cosine, backbone: identity4)
    nmc.accumulate(matrix(randomRows(30, 4, using: &generator)), labels: (0..<30).map { Int32($0 % 5) })
    let queries = randomRows(40, 4, using: &generator)
    let plain = nmc.predict(matrix(queries), task: nil).argmax()
    let scaled = nmc.predict(matrix(queries.map { row in row.map { $0 * 37.5 } }), task: nil).argmax()
    #expect(plain == scaled)
}

@Test func euclideanAndCosineDifferWhenMeansHaveUnequalNorms() {
    // Class 0: features in direction (1, 0.2) and (1, -0.2) -> long mean near (0.98, 0).
    // Class 1: features (0.6, 0.8) and (0.8, -0.6): normalised mean (0.7, 0.1), short.
    let training = matrix([[1, 0.2, 0, 0], [1, -0.2, 0, 0], [0.6, 0.8, 0, 0], [0.8, -0.6, 0, 0]])
    let labels: [Int32] = [0, 0, 1, 1]
    var cosine = NearestMeanClassifier(metric: .cosine, backbone: identity4)
    var euclidean = NearestMeanClassifier(metric: .euclidean, backbone: identity4)
    cosine.accumulate(training, labels: labels)
    euclidean.accumulate(training, labels: labels)
    // The query points exactly along class 1's mean direction but is far from its short mean.
    let query = matrix([[0.7, 0.1, 0, 0]])
    #expect(cosine.predict(query, task: nil).argmax() == [1])
    #expect(euclidean.predict(query, task: nil).argmax() == [0])
}

@Test(arguments: [NearestMeanClassifier.Metric.cosine, .euclidean])
func scoresMatchNaiveLoops(metric: NearestMeanClassifier.Metric) {
    var generator = SystemRandomNumberGenerator()
    var nmc = NearestMeanClassifier(metric: metric, backbone: identity4)
    nmc.accumulate(matrix(randomRows(24, 4, using: &generator)), labels: (0..<24).map { Int32($0 % 6) })
    let queries = randomRows(10, 4, using: &generator)
    let scores = nmc.predict(matrix(queries), task: nil).scores
    let prototypes = nmc.prototypes
    for (r, q) in queries.enumerated() {
        let qn = q.map { $0 / q.map { $0 * $0 }.reduce(0, +).squareRoot() }
        for c in 0..<6 {
            let mu = Array(prototypes.scalars[(c * 4)..<(c * 4 + 4)])
            let expected: Float
            if metric == .cosine {
                let muNorm = mu.map { $0 * $0 }.reduce(0, +).squareRoot()
                expected = zip(qn, mu).map { $0 * $1 }.reduce(0, +) / muNorm
            } else {
                expected = -zip(qn, mu).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            }
            #expect(abs(scores.scalars[r * 6 + c] - expected) < 1e-4)
        }
    }
}

@Test func learnsFromTaskDataThroughTheBackbone() throws {
    // Two classes of 2x2 "images" stored as bytes: class 0 bright top row, class 1 bright bottom row.
    let bytes: [UInt8] = [255, 255, 0, 0, 250, 240, 10, 0, 0, 0, 255, 255, 5, 0, 230, 250]
    let split = DataSplit(sampleShape: [1, 2, 2], storage: .bytes(bytes), labels: [7, 7, 3, 3])
    let config = try LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: ["metric": .text("euclidean")])
    let context = LearnerContext(
        seed: 0, sampleShape: [1, 2, 2], totalClassCount: 2, taskCount: 1, streamKind: "class-incremental")
    var nmc = try NearestMeanClassifier(config: config, context: context)
    try nmc.learn(
        TaskData(
            index: 0, classes: [0, 1], seenClassCount: 2, split: split,
            sampleIndices: [0, 1, 2, 3], labels: [0, 0, 1, 1]))
    let prediction = nmc.predict(split.batch([1, 3, 0, 2]), task: nil)
    #expect(prediction.argmax() == [0, 1, 0, 1])
}

@Test func configRejectsUnknownKeysAndWrongTypes() {
    #expect(throws: HyperparameterError.self) {
        try LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: ["metrik": .text("cosine")])
    }
    #expect(throws: HyperparameterError.self) {
        try LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: ["metric": .text("manhattan")])
    }
    #expect(throws: HyperparameterError.self) {
        try LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: ["feature_batch": .number(2.5)])
    }
    let config = try? LearnerConfig(specs: NearestMeanClassifier.hyperparameters, given: [:])
    #expect(config?[NearestMeanClassifier.metric] == .cosine)
}

@Test func argmaxRestrictsToAllowedColumnsAndBreaksTiesLow() {
    let prediction = Prediction(scores: Tensor(shape: [2, 4], scalars: [1, 5, 5, 0, 9, 1, 2, 3]))
    #expect(prediction.argmax() == [1, 0])
    #expect(prediction.argmax(restrictedTo: [2, 3]) == [2, 3])
    #expect(prediction.argmax(restrictedTo: [7]) == [-1, -1])
}

@Test func registryKnowsNMCAndExplainsPlannedLearners() {
    #expect(LearnerRegistry.type(named: "nmc") == NearestMeanClassifier.self)
    #expect(
        LearnerRegistry.unavailableMessage("someday", planned: ["someday"]).contains(
            "learner 'someday' is not available in this version"))
    // nothing that ships is "planned"
    #expect(LearnerRegistry.planned.allSatisfy { LearnerRegistry.type(named: $0) == nil })
    #expect(LearnerRegistry.unavailableMessage("foo").contains("unknown learner 'foo'"))
}
