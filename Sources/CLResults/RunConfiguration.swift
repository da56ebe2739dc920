/// Everything that determines a run's results apart from its seed, as `key: value` lines in a
/// fixed order: the harness version, the dataset (name, source, content digest), the stream's
/// configuration, the backbone, the training block, the learner's type and configuration.
/// Recorded as the root attribute `configuration` of every results file. Two runs of one
/// label may be averaged, and a run may be resumed, only when their configurations are equal;
/// otherwise the first differing key is named (`firstDifference`).
///
/// The seed is not part of it (seeds are what a report averages over); everything the seed
/// derives (class order, initialisation, batches) follows from the configuration and the seed.
public struct RunConfiguration: Sendable, Equatable {
    public var lines: [(key: String, value: String)]

    /// Values are kept on one line (a newline becomes a space), as `text` records them.
    public init(lines: [(key: String, value: String)]) {
        self.lines = lines.map { ($0.key, $0.value.replacingOccurrences(of: "\n", with: " ")) }
    }

    public static func == (a: RunConfiguration, b: RunConfiguration) -> Bool { a.text == b.text }

    /// One `key: value` per line (values on one line).
    public var text: String {
        lines.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
    }

    /// Parses `text` back (lines without ": " are kept whole as keys).
    public init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            guard let separator = line.range(of: ": ") else { return (String(line), "") }
            return (String(line[..<separator.lowerBound]), String(line[separator.upperBound...]))
        }
    }

    /// The first key whose value differs (or that only one side has), with both values;
    /// nil when the two are equal.
    public static func firstDifference(_ old: RunConfiguration, _ new: RunConfiguration) -> Difference? {
        let oldValues = Dictionary(old.lines.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let newValues = Dictionary(new.lines.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var keys = old.lines.map(\.key)
        for key in new.lines.map(\.key) where !keys.contains(key) { keys.append(key) }
        for key in keys where oldValues[key] != newValues[key] {
            return Difference(key: key, old: oldValues[key], new: newValues[key])
        }
        return nil
    }

    /// A key whose value differs between two configurations.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public let key: String
        public let old: String?, new: String?

        /// "training: { epochs: 1, ... } vs { epochs: 2, ... }"
        public var description: String { "\(key): \(old ?? "(absent)") vs \(new ?? "(absent)")" }
    }
}
