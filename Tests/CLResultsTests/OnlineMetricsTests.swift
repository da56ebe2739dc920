import Testing
@testable import CLResults

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

/// METRICS.md, "Online streams", golden vector: T = 2, equal test sizes; points at stream
/// positions 50, 100 (end of task 0), 150, 200 (end of task 1); a_0 = 0.6, 0.8, 0.5, 0.4,
/// a_1 = —, —, 0.7, 0.9.
private let golden = Metrics.Anytime(
    accuracy: [[0.6, .nan], [0.8, .nan], [0.5, 0.7], [0.4, 0.9]], position: [50, 100, 150, 200],
    pooled: [0.6, 0.8, 0.6, 0.65])
/// R = [[0.8, ·], [0.4, 0.9]] (row 0, before training, of chance-like values).
private let goldenMatrix: [[Double]] = [[0.1, 0.1], [0.8, 0.0], [0.4, 0.9]]

@Test func onlineGoldenVectorOfMetricsMD() {
    #expect(close(Metrics.averageAnytimeAccuracy(pooled: golden.pooled), 0.6625))
    #expect(close(Metrics.worstCaseAccuracy(golden, taskEnds: [100, 200], matrix: goldenMatrix), 0.65))
    #expect(close(Metrics.forgetting(goldenMatrix), 0.4))
    #expect(close(Metrics.forgettingOnPro(goldenMatrix), 0.2))
    #expect(close(Metrics.onlineAccuracy(correct: [3, 7, 10], counts: [10, 10, 10]), 20.0 / 30.0))
    let all = Metrics.online(
        golden, taskEnds: [100, 200], matrix: goldenMatrix, onlineCorrect: [3, 7, 10], onlineCounts: [10, 10, 10])
    #expect(Set(all.keys) == Set(Metrics.onlineKeys))
    #expect(close(all["average_anytime_accuracy"]!, 0.6625) && close(all["worst_case_accuracy"]!, 0.65))
    #expect(close(all["online_accuracy"]!, 20.0 / 30.0) && close(all["forgetting_onpro"]!, 0.2))
}

/// The worst case of a task counts only points at or after its end: a low a_0 before task 0
/// ends (the first point, 0.1 here) does not lower it; one after does.
@Test func worstCaseAccuracyLooksOnlyAfterEachTaskEnds() {
    var anytime = golden
    anytime.accuracy[0][0] = 0.1
    #expect(close(Metrics.worstCaseAccuracy(anytime, taskEnds: [100, 200], matrix: goldenMatrix), 0.65))
    anytime.accuracy[2][0] = 0.2
    #expect(close(Metrics.worstCaseAccuracy(anytime, taskEnds: [100, 200], matrix: goldenMatrix), 0.45 + 0.1))
}

/// Against a direct loop on random anytime rows, with T from 2 to 6.
@Test func worstCaseAccuracyAgreesWithADirectLoop() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<100 {
        let t = Int.random(in: 2...6, using: &generator)
        let perTask = Int.random(in: 1...4, using: &generator)
        var rows: [[Double]] = [], positions: [Int] = [], ends: [Int] = []
        for task in 0..<t {
            for k in 1...perTask {
                rows.append((0..<t).map { $0 <= task ? Double.random(in: 0...1, using: &generator) : .nan })
                positions.append(task * 100 + k * 100 / perTask)
            }
            ends.append((task + 1) * 100)
        }
        let ends0 = rows.indices.filter { positions[$0] == ends[$0 / perTask] }
        let matrix = [[Double](repeating: 0, count: t)] + ends0.map { rows[$0] }
        var direct = 0.0
        for j in 0..<(t - 1) {
            var worst = Double.infinity
            for e in rows.indices where positions[e] >= ends[j] { worst = min(worst, rows[e][j]) }
            direct += worst
        }
        direct = rows.last![t - 1] / Double(t) + (1 - 1 / Double(t)) * direct / Double(t - 1)
        let anytime = Metrics.Anytime(accuracy: rows, position: positions, pooled: rows.map { _ in 0 })
        #expect(close(Metrics.worstCaseAccuracy(anytime, taskEnds: ends, matrix: matrix), direct))
    }
}

/// One task: WC-Acc is the final accuracy, forgetting_onpro undefined (NaN, never 0); no
/// incoming sample at all gives NaN online accuracy.
@Test func onlineMetricsOfOneTaskAndOfNothing() {
    let anytime = Metrics.Anytime(accuracy: [[0.3], [0.7]], position: [5, 10], pooled: [0.3, 0.7])
    let matrix: [[Double]] = [[0.0], [0.7]]
    #expect(close(Metrics.worstCaseAccuracy(anytime, taskEnds: [10], matrix: matrix), 0.7))
    #expect(Metrics.forgettingOnPro(matrix).isNaN)
    #expect(Metrics.onlineAccuracy(correct: [], counts: []).isNaN)
    #expect(Metrics.averageAnytimeAccuracy(pooled: []).isNaN)
}

/// Every online key is in the catalog, with the direction a regression check needs.
@Test func onlineKeysAreInTheCatalog() {
    for key in Metrics.onlineKeys {
        #expect(MetricCatalog.definition(of: key) != nil, "\(key)")
    }
    #expect(MetricCatalog.definition(of: "forgetting_onpro")?.higherIsBetter == false)
    #expect(MetricCatalog.definition(of: "worst_case_accuracy")?.higherIsBetter == true)
}
