import Foundation

/// A minimal SVG writer: shapes and text appended in drawing order, attributes escaped.
///
/// Hand-written rather than a dependency because the plots need a dozen element kinds and
/// the report must run without anything but Foundation; every value goes through
/// `SVGCanvas.escape` so learner names cannot break the markup.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Text safe inside an XML attribute or element.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Coordinates with two decimals: sub-pixel precision, short files.
    static func number(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        var trimmed = text
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed == "-0" ? "0" : trimmed
    }

    private static func tooltip(_ text: String?) -> String {
        guard let text else { return "" }
        return "<title>\(escape(text))</title>"
    }

    /// An element, closed immediately or wrapping a hover tooltip.
    private mutating func append(_ name: String, _ attributes: [(String, String)], tooltip: String? = nil) {
        let attributeText = attributes.map { " \($0.0)=\"\(SVGCanvas.escape($0.1))\"" }.joined()
        if let tooltip {
            elements.append("<\(name)\(attributeText)>\(SVGCanvas.tooltip(tooltip))</\(name)>")
        } else {
            elements.append("<\(name)\(attributeText)/>")
        }
    }

    mutating func line(
        from start: (Double, Double), to end: (Double, Double), stroke: String,
        width: Double = 1, dashed: Bool = false
    ) {
        var attributes = [
            ("x1", SVGCanvas.number(start.0)), ("y1", SVGCanvas.number(start.1)),
            ("x2", SVGCanvas.number(end.0)), ("y2", SVGCanvas.number(end.1)),
            ("stroke", stroke), ("stroke-width", SVGCanvas.number(width)),
        ]
        if dashed { attributes.append(("stroke-dasharray", "4 3")) }
        append("line", attributes)
    }

    mutating func rectangle(
        x: Double, y: Double, width: Double, height: Double, fill: String,
        stroke: String? = nil, opacity: Double? = nil, tooltip: String? = nil
    ) {
        var attributes = [
            ("x", SVGCanvas.number(x)), ("y", SVGCanvas.number(y)),
            ("width", SVGCanvas.number(max(0, width))), ("height", SVGCanvas.number(max(0, height))),
            ("fill", fill),
        ]
        if let stroke { attributes.append(("stroke", stroke)) }
        if let opacity { attributes.append(("fill-opacity", SVGCanvas.number(opacity))) }
        append("rect", attributes, tooltip: tooltip)
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String, tooltip: String? = nil) {
        append(
            "circle",
            [
                ("cx", SVGCanvas.number(x)), ("cy", SVGCanvas.number(y)),
                ("r", SVGCanvas.number(radius)), ("fill", fill),
            ], tooltip: tooltip)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        guard points.count > 1 else { return }
        append(
            "polyline",
            [
                ("points", SVGCanvas.pointList(points)), ("fill", "none"), ("stroke", stroke),
                ("stroke-width", SVGCanvas.number(width)), ("stroke-linejoin", "round"),
            ])
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, tooltip: String? = nil) {
        guard points.count > 2 else { return }
        append(
            "polygon",
            [
                ("points", SVGCanvas.pointList(points)), ("fill", fill),
                ("fill-opacity", SVGCanvas.number(opacity)), ("stroke", "none"),
            ], tooltip: tooltip)
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
        fill: String = "#222", bold: Bool = false, rotated: Bool = false, tooltip: String? = nil
    ) {
        var attributes = [
            ("x", SVGCanvas.number(x)), ("y", SVGCanvas.number(y)),
            ("font-size", SVGCanvas.number(size)), ("text-anchor", anchor.rawValue), ("fill", fill),
        ]
        if bold { attributes.append(("font-weight", "bold")) }
        if rotated { attributes.append(("transform", "rotate(-90 \(SVGCanvas.number(x)) \(SVGCanvas.number(y)))")) }
        let attributeText = attributes.map { " \($0.0)=\"\(SVGCanvas.escape($0.1))\"" }.joined()
        elements.append("<text\(attributeText)>\(SVGCanvas.tooltip(tooltip))\(SVGCanvas.escape(string))</text>")
    }

    /// A linear gradient definition usable as `fill="url(#id)"`.
    mutating func horizontalGradient(id: String, stops: [(offset: Double, color: String)], vertical: Bool = false) {
        let direction = vertical ? "x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\"" : "x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\""
        let stopText = stops.map {
            "<stop offset=\"\(SVGCanvas.number($0.offset))\" stop-color=\"\(SVGCanvas.escape($0.color))\"/>"
        }.joined()
        elements.append(
            "<defs><linearGradient id=\"\(SVGCanvas.escape(id))\" \(direction)>\(stopText)</linearGradient></defs>")
    }

    private static func pointList(_ points: [(Double, Double)]) -> String {
        points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
    }

    /// The complete `<svg>` element; `label` becomes its accessible name.
    func document(label: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" \
        width="\(SVGCanvas.number(width))" height="\(SVGCanvas.number(height))" \
        viewBox="0 0 \(SVGCanvas.number(width)) \(SVGCanvas.number(height))" \
        role="img" aria-label="\(SVGCanvas.escape(label))" \
        font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(SVGCanvas.number(width))" height="\(SVGCanvas.number(height))" fill="#ffffff"/>
        \(elements.joined(separator: "\n"))
        </svg>
        """
    }
}
