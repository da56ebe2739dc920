import CLResults
/// An accuracy matrix as coloured cells with the value written in each, on a fixed [0, 1]
/// scale so that two learners' heatmaps can be compared by colour alone.
struct Heatmap {
    let title: String
    let rowLabels: [String]
    let columnLabels: [String]
    /// Nil: a cell left blank on purpose (`blankNote` on hover), unlike a value that is missing.
    let cells: [[SeedStatistics?]]
    var blankNote = ""

    func svg() -> String {
        let columns = columnLabels.count
        let rows = rowLabels.count
        // 44 px cells up to 9 tasks keep three heatmaps per row of a 1280 px page; beyond, cells
        // shrink so that two still fit, down to 26 px (20 tasks), where numbers stay readable.
        let cell = max(26, min(44, 400 / Double(max(1, columns))))
        let left = 80.0
        let top = 64.0
        let legendWidth = 62.0
        let width = left + cell * Double(columns) + legendWidth + 16
        let height = top + cell * Double(rows) + 24
        // Wide enough for the title (about 9.4 px per character of 15 px bold text).
        let titleWidth = 24 + 9.4 * Double(title.count)
        var canvas = SVGCanvas(width: max(width, titleWidth), height: max(height, 200))
        canvas.text(title, x: 10, y: 22, size: 15, bold: true)
        canvas.text("rows: evaluated after; columns: test set of task", x: 10, y: 40, size: 11, fill: "#555555")
        let fontSize = min(13, cell * 0.3)
        for (column, label) in columnLabels.enumerated() {
            canvas.text(
                label, x: left + cell * (Double(column) + 0.5), y: top - 6, size: min(11, cell * 0.32),
                anchor: .middle, fill: "#333333")
        }
        for (row, label) in rowLabels.enumerated() {
            let y = top + cell * Double(row)
            canvas.text(label, x: left - 6, y: y + cell / 2 + 4, size: 11, anchor: .end, fill: "#333333")
            for column in 0..<columns {
                let x = left + cell * Double(column)
                guard
                    let value = row < cells.count && column < cells[row].count ? cells[row][column] : SeedStatistics([])
                else {
                    canvas.rectangle(
                        x: x, y: y, width: cell, height: cell, fill: "#ffffff", stroke: "#eeeeee",
                        tooltip: "\(label), task \(column): \(blankNote)")
                    continue
                }
                let hover = "\(label), task \(column): \(NumberFormat.meanAndDeviation(value)) (n = \(value.count))"
                if value.isAvailable {
                    canvas.rectangle(
                        x: x, y: y, width: cell, height: cell, fill: Palette.sequential(value.mean),
                        stroke: "#ffffff", tooltip: hover)
                    canvas.text(
                        NumberFormat.value(value.mean, decimals: 2), x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35,
                        size: fontSize, anchor: .middle, fill: Palette.textColor(onSequential: value.mean))
                } else {
                    canvas.rectangle(
                        x: x, y: y, width: cell, height: cell, fill: Palette.missing, stroke: "#ffffff",
                        tooltip: "\(label), task \(column): not evaluated")
                    canvas.text(
                        "–", x: x + cell / 2, y: y + cell / 2 + 4, size: fontSize, anchor: .middle, fill: "#888888")
                }
            }
        }
        // Colour scale: a vertical gradient from 0 (bottom) to 1 (top).
        let legendX = left + cell * Double(columns) + 20
        let legendHeight = max(80, min(220, cell * Double(rows)))
        let stops = (0...8).map { (Double($0) / 8, Palette.sequential(Double($0) / 8)) }
        // Several heatmaps share one HTML page: the gradient id must be unique and stable.
        let gradientID = "scale-\(Heatmap.stableHash(title))"
        canvas.horizontalGradient(id: gradientID, stops: stops, vertical: true)
        canvas.rectangle(
            x: legendX, y: top, width: 14, height: legendHeight,
            fill: "url(#\(gradientID))", stroke: "#999999")
        for tick in [0.0, 0.5, 1.0] {
            let y = top + legendHeight * (1 - tick)
            canvas.text(NumberFormat.value(tick, decimals: 1), x: legendX + 19, y: y + 4, size: 10, fill: "#333333")
        }
        return canvas.document(label: title)
    }

    /// FNV-1a of the title: unlike `hashValue`, the same in every process, so output is reproducible.
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
