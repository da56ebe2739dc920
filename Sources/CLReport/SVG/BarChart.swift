/// Grouped bars with ± std whiskers: one group per category, one bar per learner.
struct BarChart {
    let title: String
    let xLabel: String
    let yLabel: String
    let categories: [String]
    let series: [ChartSeries]
    /// The range the metric can take (forgetting: −1 ... 1): the axis and the whiskers stay
    /// inside it, so a ± std whisker never stretches the axis past what the metric can reach.
    var bounds: ClosedRange<Double> = -Double.infinity...Double.infinity

    func svg() -> String {
        let extremes = series.flatMap {
            $0.values.flatMap { value -> [Double] in
                let spread = value.standardDeviation.isFinite ? value.standardDeviation : 0
                return [clamped(value.mean - spread), clamped(value.mean + spread)]
            }
        }
        let frame = ChartFrame(
            title: title, xLabel: xLabel, yLabel: yLabel, categories: categories,
            valueRange: AxisScale.niceRange(extremes + [0], preferUnit: true))
        var canvas = SVGCanvas(width: ChartFrame.width, height: ChartFrame.height)
        frame.drawBackground(on: &canvas)
        let groupWidth = frame.slotWidth * 0.8
        let barWidth = groupWidth / Double(max(1, series.count))
        let zero = frame.valueScale.position(0)
        for (seriesIndex, bars) in series.enumerated() {
            for (index, value) in bars.values.enumerated() where index < categories.count && value.isAvailable {
                let x = frame.categoryCenter(index) - groupWidth / 2 + barWidth * Double(seriesIndex)
                let top = frame.valueScale.position(value.mean)
                canvas.rectangle(
                    x: x + barWidth * 0.08, y: min(top, zero), width: barWidth * 0.84,
                    height: abs(zero - top), fill: bars.color,
                    tooltip:
                        "\(bars.name), \(categories[index]): \(NumberFormat.meanAndDeviation(value)) "
                        + "(n = \(value.count))"
                )
                if value.standardDeviation.isFinite && value.standardDeviation > 0 {
                    let center = x + barWidth / 2
                    let high = frame.valueScale.position(clamped(value.mean + value.standardDeviation))
                    let low = frame.valueScale.position(clamped(value.mean - value.standardDeviation))
                    canvas.line(from: (center, high), to: (center, low), stroke: "#222222", width: 1.2)
                    canvas.line(from: (center - 3, high), to: (center + 3, high), stroke: "#222222", width: 1.2)
                    canvas.line(from: (center - 3, low), to: (center + 3, low), stroke: "#222222", width: 1.2)
                }
            }
        }
        canvas.line(from: (frame.plotLeft, zero), to: (frame.plotRight, zero), stroke: "#444444")
        frame.drawLegend(
            series.map { ($0.name, $0.detail, $0.color, -1) }, note: "whiskers: ± sample std", on: &canvas)
        return canvas.document(label: title)
    }

    private func clamped(_ value: Double) -> Double { min(max(value, bounds.lowerBound), bounds.upperBound) }
}
