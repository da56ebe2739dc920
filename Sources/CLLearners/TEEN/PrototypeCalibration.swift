/// TEEN's training-free calibration of one novel-class prototype (Wang et al., NeurIPS
/// 2023, official code wangkiw/TEEN `models/teen/Network.py`, `soft_calibration`):
///
///     w_b   = softmax_b( tau · cos(p_c, p_b) )          over the base prototypes p_b
///     Delta = n( Σ_b w_b · n(p_b) )
///     p̂_c  = (1 − alpha) · n(p_c) + alpha · Delta
///
/// Normalisation follows the code wherever the paper's notation leaves it open: the
/// novel prototype enters the mix L2-normalised (not as the raw class mean), the bank is
/// normalised, and the weighted base direction Delta is re-normalised before mixing;
/// alpha weights the base direction (`shift_weight`), 1 − alpha the novel prototype.
/// p̂_c itself is left unnormalised; the classifier only uses its direction (cosine logits).
///
/// Computed in float64 (the softmax of tau-scaled cosines is well conditioned, but the
/// weights are also a reported diagnostic), stored as float32.
public struct PrototypeCalibration: Sendable, Codable {
    /// The calibrated prototype p̂_c.
    public let calibrated: [Float]
    /// w_{c,b} for every base class b, in bank order; sums to 1.
    public let weights: [Double]

    /// - Parameters:
    ///   - prototype: p_c, the mean feature of the novel class's shots.
    ///   - bank: the base prototypes p_b (any norm; normalised here), all of length d.
    ///   - softmaxTemperature: tau (`softmax_t`, 16 in the code).
    ///   - shiftWeight: alpha (`shift_weight`, 0.1 for CIFAR, 0.5 for miniImageNet/CUB).
    public init(prototype: [Float], bank: [[Float]], softmaxTemperature tau: Double, shiftWeight alpha: Double) {
        let d = prototype.count
        let novel = Self.normalized(prototype.map(Double.init))
        let base = bank.map { row -> [Double] in
            precondition(row.count == d, "base prototype length \(row.count) differs from \(d)")
            return Self.normalized(row.map(Double.init))
        }
        // Softmax over base classes of tau·cos, shifted by the maximum for stability.
        let scores = base.map { b in tau * zip(novel, b).reduce(0.0) { $0 + $1.0 * $1.1 } }
        let top = scores.max() ?? 0
        let exponentials = scores.map { _exp($0 - top) }
        let total = exponentials.reduce(0, +)
        let weights = exponentials.map { $0 / total }
        var delta = [Double](repeating: 0, count: d)
        for (w, b) in zip(weights, base) { for k in 0..<d { delta[k] += w * b[k] } }
        delta = Self.normalized(delta)
        calibrated = (0..<d).map { Float((1 - alpha) * novel[$0] + alpha * delta[$0]) }
        self.weights = weights
    }

    /// v / ||v|| (zero stays zero, as torch's F.normalize with its epsilon).
    /// A calibration made earlier, as a checkpoint saved it.
    init(calibrated: [Float], weights: [Double]) {
        self.calibrated = calibrated
        self.weights = weights
    }

    static func normalized(_ v: [Double]) -> [Double] {
        let norm = v.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        return norm > 1e-12 ? v.map { $0 / norm } : v.map { _ in 0 }
    }

    /// The `count` base classes with the largest weights (bank positions), largest first;
    /// ties go to the lower position.
    public func topBaseClasses(_ count: Int) -> [Int] {
        Array(
            weights.indices.sorted { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }.prefix(
                count))
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) private func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
    import Foundation
    @inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
#endif
