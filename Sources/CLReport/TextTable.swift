import Foundation

/// A table of strings that prints either aligned for a terminal or as GitHub Markdown.
///
/// Reports build one `TextTable` and render it in the requested format, so the terminal and
/// the Markdown output cannot disagree about what is in a table.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public var header: [String]
    public var rows: [[String]]
    /// One per column; missing entries are left-aligned.
    public var alignments: [Alignment]

    public init(header: [String], rows: [[String]] = [], alignments: [Alignment] = []) {
        self.header = header
        self.rows = rows
        self.alignments = alignments
    }

    private func alignment(_ column: Int) -> Alignment {
        column < alignments.count ? alignments[column] : .left
    }

    /// Columns padded with spaces and a dashed rule under the header.
    public func terminalText() -> String {
        let columnCount = ([header] + rows).map(\.count).max() ?? 0
        let widths = (0..<columnCount).map { column in
            ([header] + rows).map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            (0..<columnCount).map { column -> String in
                let cell = column < cells.count ? cells[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return alignment(column) == .right ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table; pipes inside cells are escaped.
    public func markdownText() -> String {
        let columnCount = ([header] + rows).map(\.count).max() ?? 0
        func line(_ cells: [String]) -> String {
            let padded = (0..<columnCount).map { column in
                (column < cells.count ? cells[column] : "").replacingOccurrences(of: "|", with: "\\|")
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = "|" + (0..<columnCount).map { alignment($0) == .right ? " ---: |" : " --- |" }.joined()
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
