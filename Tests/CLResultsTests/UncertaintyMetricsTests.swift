import Foundation
import Testing
@testable import CLResults

/// The golden vectors of METRICS.md ("Uncertainty"), and direct-loop references.
@Test func aurocGoldenVectors() {
    #expect(UncertaintyMetrics.auroc(negatives: [0.1, 0.4], positives: [0.35, 0.8]) == 0.75)
    #expect(UncertaintyMetrics.auroc(negatives: [0.2, 0.2], positives: [0.2]) == 0.5)
    #expect(UncertaintyMetrics.auroc(negatives: [], positives: [0.2]).isNaN)
    #expect(UncertaintyMetrics.auroc(negatives: [0.1, .nan], positives: [0.2]).isNaN)
}

@Test func aurocEqualsTheDirectPairCount() {
    var generator = SystemRandomNumberGenerator()
    for trial in 0..<20 {
        // Values on a coarse grid, so that ties happen.
        let negatives = (0..<(3 + trial)).map { _ in Double(Int.random(in: 0...6, using: &generator)) / 4 }
        let positives = (0..<(2 + trial % 5)).map { _ in Double(Int.random(in: 0...6, using: &generator)) / 4 }
        var wins = 0.0
        for p in positives { for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
        let direct = wins / Double(positives.count * negatives.count)
        #expect(abs(UncertaintyMetrics.auroc(negatives: negatives, positives: positives) - direct) < 1e-12)
    }
}

@Test func eceGoldenVector() {
    // (0.95, right), (0.95, wrong), (0.55, right), (0.55, right): bins 14 and 8.
    #expect(UncertaintyMetrics.calibrationBin(0.95) == 14 && UncertaintyMetrics.calibrationBin(0.55) == 8)
    let ece = UncertaintyMetrics.expectedCalibrationError(
        confidences: [0.95, 0.95, 0.55, 0.55], correct: [true, false, true, true])
    #expect(abs(ece - 0.45) < 1e-12)
    // Bin edges: (b/15, (b+1)/15], so 1/15 is the top of bin 0 and 1 the top of bin 14.
    #expect(UncertaintyMetrics.calibrationBin(1.0 / 15) == 0 && UncertaintyMetrics.calibrationBin(1) == 14)
    #expect(UncertaintyMetrics.calibrationBin(0.0667) == 1)
    #expect(UncertaintyMetrics.expectedCalibrationError(confidences: [], correct: []).isNaN)
}

@Test func entropyOfTheUniformDistributionIsLnK() {
    for k in [1, 2, 5, 10] {
        let uniform = [Float](repeating: 1 / Float(k), count: k)
        #expect(abs(UncertaintyMetrics.entropy(uniform) - log(Double(k))) < 1e-6)
    }
    #expect(UncertaintyMetrics.entropy([Float(1), 0, 0]) == 0)
    #expect(UncertaintyMetrics.entropy([Float(0.5), .nan]).isNaN)
}
