import Foundation

/// Maps data values to pixels along one axis and chooses round tick values.
struct AxisScale {
    let lower: Double
    let upper: Double
    /// Pixel positions of `lower` and `upper` (for a vertical axis, `lower` sits at the bottom).
    let start: Double
    let end: Double

    func position(_ value: Double) -> Double {
        guard upper > lower else { return (start + end) / 2 }
        return start + (value - lower) / (upper - lower) * (end - start)
    }

    /// Ticks at 1, 2 or 5 × 10^k, about `target` of them, covering [lower, upper].
    func ticks(target: Int = 5) -> [Double] {
        let step = AxisScale.niceStep(span: upper - lower, target: target)
        guard step > 0 else { return [lower] }
        var ticks: [Double] = []
        var tick = (lower / step).rounded(.up) * step
        while tick <= upper + step * 1e-9 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 0 }
        let rough = span / Double(max(1, target))
        let magnitude = pow(10, floor(log10(rough)))
        let fraction = rough / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A range that contains `values` and ends on round numbers; accuracies keep [0, 1] when
    /// they fit so that plots of different protocols compare at a glance.
    static func niceRange(_ values: [Double], preferUnit: Bool) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return (0, 1) }
        if preferUnit && low >= 0 && high <= 1 { return (0, 1) }
        let lower = min(0, low)
        // A little headroom so the tallest bar and its whisker do not touch the title.
        let upper = max(high + 0.04 * (high - lower), lower + 1e-3)
        let step = niceStep(span: upper - lower, target: 5)
        return ((lower / step).rounded(.down) * step, (upper / step).rounded(.up) * step)
    }

    /// Tick label with as few decimals as the step needs.
    static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(4, Int(ceil(-log10(step) - 1e-9)))
        return NumberFormat.value(value, decimals: decimals)
    }
}
