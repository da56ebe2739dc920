import CLResults
/// One learner's curve or bars: a mean per x position and its spread over seeds.
struct ChartSeries {
    let name: String
    /// Second legend line, e.g. "n = 3 seeds".
    let detail: String
    let color: String
    /// Index of the marker shape (`ChartMarker`).
    let marker: Int
    let values: [SeedStatistics]
}

/// Lines of means with ± std bands, one per learner: "accuracy after each task".
struct LineChart {
    let title: String
    let xLabel: String
    let yLabel: String
    let categories: [String]
    let series: [ChartSeries]

    func svg() -> String {
        let bandValues = series.flatMap { $0.values.flatMap { [$0.mean - deviation($0), $0.mean + deviation($0)] } }
        let frame = ChartFrame(
            title: title, xLabel: xLabel, yLabel: yLabel, categories: categories,
            valueRange: AxisScale.niceRange(bandValues, preferUnit: true))
        var canvas = SVGCanvas(width: ChartFrame.width, height: ChartFrame.height)
        frame.drawBackground(on: &canvas)
        for line in series {
            // A NaN (task not reached) breaks the line rather than dropping it to zero.
            for segment in segments(of: line.values) {
                let upper = segment.map {
                    (
                        frame.categoryCenter($0),
                        frame.valueScale.position(line.values[$0].mean + deviation(line.values[$0]))
                    )
                }
                let lower = segment.reversed().map {
                    (
                        frame.categoryCenter($0),
                        frame.valueScale.position(line.values[$0].mean - deviation(line.values[$0]))
                    )
                }
                canvas.polygon(upper + lower, fill: line.color, opacity: 0.18)
            }
        }
        for line in series {
            // A band needs two points; a lone point (one task, or a gap) shows its spread as a whisker.
            for segment in segments(of: line.values) where segment.count == 1 {
                let value = line.values[segment[0]]
                guard deviation(value) > 0 else { continue }
                let x = frame.categoryCenter(segment[0])
                canvas.line(
                    from: (x, frame.valueScale.position(value.mean + deviation(value))),
                    to: (x, frame.valueScale.position(value.mean - deviation(value))), stroke: line.color, width: 1.5)
            }
            for segment in segments(of: line.values) {
                canvas.polyline(
                    segment.map { (frame.categoryCenter($0), frame.valueScale.position(line.values[$0].mean)) },
                    stroke: line.color, width: 2.2)
            }
            for (index, value) in line.values.enumerated() where value.isAvailable && index < categories.count {
                ChartMarker.draw(
                    line.marker, x: frame.categoryCenter(index), y: frame.valueScale.position(value.mean),
                    color: line.color,
                    tooltip:
                        "\(line.name), \(xLabel) \(categories[index]): \(NumberFormat.meanAndDeviation(value)) "
                        + "(n = \(value.count))",
                    on: &canvas)
            }
        }
        frame.drawLegend(
            series.map { ($0.name, $0.detail, $0.color, $0.marker) }, note: "band: ± sample std", on: &canvas)
        return canvas.document(label: title)
    }

    private func deviation(_ value: SeedStatistics) -> Double {
        value.standardDeviation.isFinite ? value.standardDeviation : 0
    }

    /// Runs of consecutive indices whose value is available.
    private func segments(of values: [SeedStatistics]) -> [[Int]] {
        var result: [[Int]] = []
        var current: [Int] = []
        for (index, value) in values.enumerated() {
            if value.isAvailable {
                current.append(index)
            } else if !current.isEmpty {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
