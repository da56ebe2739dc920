import Testing
@testable import CLResults

/// Builds a stored (T+1) x T matrix from METRICS.md's "row i = after task i" rows,
/// with a row 0 (before training) of chance-like values.
private func stored(_ rows: [[Double]], before: [Double]? = nil) -> [[Double]] {
    [before ?? [Double](repeating: 0.1, count: rows.count)] + rows
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

@Test func goldenVector1() {
    let r = stored([[1.0, 0.25], [0.25, 0.25]])
    #expect(close(Metrics.forgetting(r), 0.75))
    #expect(close(Metrics.backwardTransfer(r), -0.75))
}

@Test func goldenVector2() {
    let r = stored([[1.0, 0.5], [0.5, 0.0]])
    #expect(close(Metrics.backwardTransfer(r), -0.5))
    #expect(close(Metrics.forgetting(r), 0.5))
}

@Test func goldenVector3() {
    let r = stored([[0.9, 0.1, 0.0], [0.7, 0.8, 0.1], [0.6, 0.5, 0.95]])
    #expect(close(Metrics.forgetting(r), 0.3))
    #expect(close(Metrics.forgettingPyCIL(r), 0.3))
    #expect(close(Metrics.forgettingAvalanche(r), 0.3))
    #expect(close(Metrics.backwardTransfer(r), -0.3))
    #expect(close(Metrics.backwardTransferAllPairs(r), -0.2667, 5e-5))
    #expect(close(Metrics.finalTaskMeanAccuracy(r), 0.6833, 5e-5))
    #expect(close(Metrics.plasticity(r), 0.8833, 5e-5))
}

@Test func goldenVector4TellsTheForgettingDefinitionsApart() {
    let r = stored([[0.5, 0.0, 0.0], [0.9, 0.4, 0.0], [0.7, 0.4, 0.8]])
    #expect(close(Metrics.forgetting(r), 0.1))
    #expect(close(Metrics.forgettingAvalanche(r), -0.1))
    #expect(close(Metrics.backwardTransfer(r), 0.1))  // = -forgetting_avalanche
}

@Test func forgettingPyCILIncludesTheFinalStepInTheMax() {
    // Accuracy on task 0 rises at the final step: Chaudhry's max (up to T-2) gives
    // negative forgetting; PyCIL's max (up to T-1) gives 0.
    let r = stored([[0.5, 0.0], [0.9, 0.6]])
    #expect(close(Metrics.forgetting(r), -0.4))
    #expect(close(Metrics.forgettingPyCIL(r), 0.0))
}

@Test func singleTaskGivesNaNNotZero() {
    let r = stored([[0.8]])
    for value in [
        Metrics.forgetting(r), Metrics.forgettingPyCIL(r), Metrics.forgettingAvalanche(r),
        Metrics.backwardTransfer(r), Metrics.backwardTransferAllPairs(r), Metrics.forwardTransfer(r),
    ] {
        #expect(value.isNaN)
    }
    #expect(close(Metrics.plasticity(r), 0.8))
}

@Test func forwardTransferUsesRowZero() {
    // b = [0.1, 0.2, 0.3]; R[0][1] = 0.5, R[1][2] = 0.4 -> ((0.5-0.2) + (0.4-0.3)) / 2 = 0.2
    let r = stored([[0.9, 0.5, 0.0], [0.7, 0.8, 0.4], [0.6, 0.5, 0.95]], before: [0.1, 0.2, 0.3])
    #expect(close(Metrics.forwardTransfer(r), 0.2))
}

@Test func pooledMetricsAndFewShotHelpers() {
    #expect(close(Metrics.finalAccuracy(pooled: [0.9, 0.7, 0.6]), 0.6))
    #expect(close(Metrics.averageIncrementalAccuracy(pooled: [0.9, 0.7, 0.6]), 2.2 / 3))
    #expect(Metrics.finalAccuracy(pooled: []).isNaN)
    #expect(close(Metrics.performanceDrop(sessionAccuracy: [0.7353, 0.6, 0.5208]), 0.2145, 1e-9))
    #expect(close(Metrics.harmonicMean(0.8, 0.2), 0.32))
    #expect(Metrics.harmonicMean(0, 0) == 0)
}

/// Direct loop implementations written independently of `Metrics`, straight from the
/// formulas, with "row i = after task i" indexing.
private enum Direct {
    static func forgetting(_ a: [[Double]], includeLast: Bool) -> Double {
        let t = a.count
        var total = 0.0
        for j in 0..<(t - 1) {
            var best = -Double.infinity
            let lastRow = includeLast ? t - 1 : t - 2
            var l = j
            while l <= lastRow { best = max(best, a[l][j]); l += 1 }
            total += best - a[t - 1][j]
        }
        return total / Double(t - 1)
    }
    static func bwtAllPairs(_ a: [[Double]]) -> Double {
        let t = a.count
        var total = 0.0, pairs = 0.0
        for i in 0..<t { for j in 0..<t where j < i && i >= 1 { total += a[i][j] - a[j][j]; pairs += 1 } }
        return total / pairs
    }
}

@Test func randomMatricesAgreeWithDirectLoops() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<200 {
        let t = Int.random(in: 2...8, using: &generator)
        let rows = (0..<t).map { _ in (0..<t).map { _ in Double.random(in: 0...1, using: &generator) } }
        let r = stored(rows)
        #expect(close(Metrics.forgetting(r), Direct.forgetting(rows, includeLast: false), 1e-12))
        #expect(close(Metrics.forgettingPyCIL(r), Direct.forgetting(rows, includeLast: true), 1e-12))
        #expect(close(Metrics.backwardTransferAllPairs(r), Direct.bwtAllPairs(rows), 1e-12))
        #expect(close(Metrics.backwardTransfer(r), -Metrics.forgettingAvalanche(r), 1e-12))
        #expect(Metrics.forgettingPyCIL(r) >= Metrics.forgetting(r) - 1e-12)
    }
}

@Test func allReturnsEveryCatalogKeyExceptFewShotTaskAwareUncertaintyAndOnlineOnes() {
    let r = stored([[0.9, 0.1], [0.7, 0.8]])
    let values = Metrics.all(matrix: r, pooled: [0.9, 0.75])
    let uncertaintyKeys: Set<String> = ["ece", "unseen_entropy_auroc"]
    let catalogKeys = Set(MetricCatalog.all.map(\.key)).subtracting(["performance_drop"]).subtracting(uncertaintyKeys)
        .subtracting(Metrics.taskAwareKeys).subtracting(Metrics.onlineKeys)
    #expect(Set(values.keys) == catalogKeys)
    // The task-aware keys come from the task-aware matrix, and are in the catalogue.
    #expect(Set(Metrics.taskAware(r).keys) == Set(Metrics.taskAwareKeys))
    #expect(Metrics.taskAwareKeys.allSatisfy { MetricCatalog.definition(of: $0) != nil })
    let row = UncertaintyRow(entropySeen: 0.1, entropyUnseen: 0.5, aurocUnseen: 0.8, ece: 0.2, reliability: [])
    var last = row
    last.aurocUnseen = .nan
    last.ece = 0.3
    #expect(Set(UncertaintyRow.metrics([row, row, last]).keys) == uncertaintyKeys)
    #expect(UncertaintyRow.metrics([row, last])["ece"] == 0.3)  // after the last task
    #expect(UncertaintyRow.metrics([row, last])["unseen_entropy_auroc"] == 0.8)  // mean over tasks 0...T-2
    #expect(UncertaintyRow.metrics([last])["unseen_entropy_auroc"]!.isNaN)  // T = 1
    #expect(Metrics.all(matrix: r, pooled: [0.9, 0.75], fscilSessionAccuracy: [0.9, 0.75])["performance_drop"] != nil)
}
