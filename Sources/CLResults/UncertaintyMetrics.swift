import Foundation

/// The uncertainty measures of `specs/METRICS.md` ("Uncertainty") as pure functions of
/// predictive distributions. Entropies are in nats.
public enum UncertaintyMetrics {
    /// Number of equal-width confidence bins of the expected calibration error.
    public static let calibrationBins = 15

    /// H[p] = −Σ_k p_k ln p_k of one distribution (0 ln 0 = 0); NaN if any p_k is NaN.
    public static func entropy<C: Collection>(_ probabilities: C) -> Double where C.Element == Float {
        var total = 0.0
        for p in probabilities {
            if p.isNaN { return .nan }
            if p > 0 { total -= Double(p) * Foundation.log(Double(p)) }
        }
        return total
    }

    /// Mean of `values`; NaN when empty.
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// AUROC of a score for "positive": the probability that a random positive scores
    /// higher than a random negative, ties counting 1/2 (the Mann–Whitney U statistic with
    /// mid-ranks). NaN when either side is empty or any score is NaN.
    public static func auroc(negatives: [Double], positives: [Double]) -> Double {
        guard !negatives.isEmpty, !positives.isEmpty else { return .nan }
        guard !(negatives + positives).contains(where: \.isNaN) else { return .nan }
        let all = (negatives.map { ($0, false) } + positives.map { ($0, true) }).sorted { $0.0 < $1.0 }
        var positiveRankSum = 0.0
        var start = 0
        while start < all.count {
            var end = start
            while end + 1 < all.count && all[end + 1].0 == all[start].0 { end += 1 }
            let midRank = Double(start + end) / 2 + 1  // ranks from 1
            for k in start...end where all[k].1 { positiveRankSum += midRank }
            start = end + 1
        }
        let p = Double(positives.count), n = Double(negatives.count)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }

    /// The calibration bin of confidence c: bin b holds (b/15, (b+1)/15]; c = 0 goes to bin 0.
    public static func calibrationBin(_ confidence: Double) -> Int {
        let bin = Int((confidence * Double(calibrationBins)).rounded(.up)) - 1
        return min(max(bin, 0), calibrationBins - 1)
    }

    /// Per bin: (samples, mean confidence, accuracy); NaN means for empty bins.
    public static func reliability(confidences: [Double], correct: [Bool]) -> [(
        count: Int, confidence: Double, accuracy: Double
    )] {
        precondition(confidences.count == correct.count, "one correctness flag per confidence")
        var count = [Int](repeating: 0, count: calibrationBins)
        var confidenceSum = [Double](repeating: 0, count: calibrationBins)
        var correctSum = [Int](repeating: 0, count: calibrationBins)
        for (c, right) in zip(confidences, correct) {
            let b = calibrationBin(c)
            count[b] += 1
            confidenceSum[b] += c
            if right { correctSum[b] += 1 }
        }
        return (0..<calibrationBins).map { b -> (count: Int, confidence: Double, accuracy: Double) in
            guard count[b] > 0 else { return (0, .nan, .nan) }
            let n = Double(count[b])
            return (count[b], confidenceSum[b] / n, Double(correctSum[b]) / n)
        }
    }

    /// Expected calibration error: Σ_b (n_b / n) · |accuracy_b − mean confidence_b| over 15
    /// equal-width bins of confidence; NaN for no samples.
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool]) -> Double {
        guard !confidences.isEmpty else { return .nan }
        let n = Double(confidences.count)
        return reliability(confidences: confidences, correct: correct).reduce(0.0) { total, bin in
            bin.count == 0 ? total : total + Double(bin.count) / n * abs(bin.accuracy - bin.confidence)
        }
    }
}
