/// The parts every x–y chart shares: title, plot area, value axis with grid lines, category
/// labels, axis titles and a legend on the right. Charts draw their marks inside `plotArea`.
struct ChartFrame {
    static let width = 590.0
    static let height = 380.0
    static let left = 64.0
    static let right = 160.0
    static let top = 46.0
    static let bottom = 58.0

    let title: String
    let xLabel: String
    let yLabel: String
    let categories: [String]
    let valueScale: AxisScale

    init(title: String, xLabel: String, yLabel: String, categories: [String], valueRange: (Double, Double)) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
        valueScale = AxisScale(
            lower: valueRange.0, upper: valueRange.1,
            start: ChartFrame.height - ChartFrame.bottom, end: ChartFrame.top)
    }

    var plotLeft: Double { ChartFrame.left }
    var plotRight: Double { ChartFrame.width - ChartFrame.right }
    var plotTop: Double { ChartFrame.top }
    var plotBottom: Double { ChartFrame.height - ChartFrame.bottom }

    /// Width of one category slot along the x axis.
    var slotWidth: Double { (plotRight - plotLeft) / Double(max(1, categories.count)) }

    /// Centre of category `index`.
    func categoryCenter(_ index: Int) -> Double {
        plotLeft + slotWidth * (Double(index) + 0.5)
    }

    /// Draws everything but the marks; call before drawing them so grid lines stay behind.
    func drawBackground(on canvas: inout SVGCanvas) {
        canvas.text(
            title, x: ChartFrame.width / 2 - ChartFrame.right / 2 + ChartFrame.left / 2, y: 24, size: 15,
            anchor: .middle, bold: true)
        let ticks = valueScale.ticks()
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for tick in ticks {
            let y = valueScale.position(tick)
            canvas.line(from: (plotLeft, y), to: (plotRight, y), stroke: tick == 0 ? "#888888" : "#e3e3e3")
            canvas.line(from: (plotLeft - 4, y), to: (plotLeft, y), stroke: "#444444")
            canvas.text(
                AxisScale.label(tick, step: step), x: plotLeft - 7, y: y + 4, size: 11, anchor: .end,
                fill: "#333333")
        }
        canvas.line(from: (plotLeft, plotTop), to: (plotLeft, plotBottom), stroke: "#444444")
        canvas.line(from: (plotLeft, plotBottom), to: (plotRight, plotBottom), stroke: "#444444")
        // Thin out labels when there are many tasks so they never overlap.
        let every = max(1, Int((Double(categories.count) * 28 / (plotRight - plotLeft)).rounded(.up)))
        for (index, label) in categories.enumerated() {
            let x = categoryCenter(index)
            canvas.line(from: (x, plotBottom), to: (x, plotBottom + 4), stroke: "#444444")
            if index % every == 0 || index == categories.count - 1 {
                canvas.text(label, x: x, y: plotBottom + 17, size: 11, anchor: .middle, fill: "#333333")
            }
        }
        canvas.text(xLabel, x: (plotLeft + plotRight) / 2, y: ChartFrame.height - 14, size: 12, anchor: .middle)
        canvas.text(yLabel, x: 16, y: (plotTop + plotBottom) / 2, size: 12, anchor: .middle, rotated: true)
    }

    /// Legend entries on the right: a line with its marker (or, for `marker` < 0, a filled
    /// swatch), the name, and a small second line (the seed count); names and details too
    /// long for the margin wrap onto further lines (never clipped), the full name on hover.
    func drawLegend(
        _ entries: [(label: String, detail: String, color: String, marker: Int)], note: String?,
        on canvas: inout SVGCanvas
    ) {
        let x = plotRight + 16
        var y = plotTop + 6
        for entry in entries {
            if entry.marker < 0 {  // bars: a filled swatch
                canvas.rectangle(x: x, y: y - 10, width: 22, height: 11, fill: entry.color)
            } else {  // lines: the line with its marker
                canvas.line(from: (x, y - 4), to: (x + 22, y - 4), stroke: entry.color, width: 3)
                ChartMarker.draw(entry.marker, x: x + 11, y: y - 4, color: entry.color, tooltip: nil, on: &canvas)
            }
            // About 6.7 px per character of 12 px text and 5.6 of 10 px text in the ~115 px margin.
            for (line, text) in Self.wrapped(entry.label, width: 17).enumerated() {
                if line > 0 { y += 14 }
                canvas.text(text, x: x + 29, y: y, size: 12, tooltip: entry.label)
            }
            for text in Self.wrapped(entry.detail, width: 20) {
                y += 12
                canvas.text(text, x: x + 29, y: y + 1, size: 10, fill: "#666666")
            }
            y += 20
        }
        if let note {
            for (line, text) in Self.wrapped(note, width: 24).enumerated() {
                canvas.text(text, x: x, y: y + 2 + 12 * Double(line), size: 10, fill: "#555555")
            }
        }
    }
}

extension ChartFrame {
    /// `text` in lines of at most `width` characters, broken between words (a longer word is
    /// cut); empty text gives no line.
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ").map(String.init) {
            var word = word
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

/// Marker shapes that tell learners apart where their colours cannot (print, overlap).
enum ChartMarker {
    static func draw(_ shape: Int, x: Double, y: Double, color: String, tooltip: String?, on canvas: inout SVGCanvas) {
        let size = 4.0
        switch shape % 4 {
        case 0:
            canvas.circle(x: x, y: y, radius: size * 0.9, fill: color, tooltip: tooltip)
        case 1:
            canvas.rectangle(
                x: x - size * 0.8, y: y - size * 0.8, width: size * 1.6, height: size * 1.6, fill: color,
                tooltip: tooltip)
        case 2:
            canvas.polygon(
                [(x, y - size * 1.1), (x + size, y + size * 0.8), (x - size, y + size * 0.8)], fill: color,
                opacity: 1, tooltip: tooltip)
        default:
            canvas.polygon(
                [(x, y - size * 1.1), (x + size * 1.1, y), (x, y + size * 1.1), (x - size * 1.1, y)],
                fill: color, opacity: 1, tooltip: tooltip)
        }
    }
}
