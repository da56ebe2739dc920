/// The command that continues an interrupted `run`: the one typed, with `--resume` added,
/// quoted for a POSIX shell so that it can be pasted back.
enum ResumeCommandLine {
    static func suggestion(arguments: [String] = CommandLine.arguments) -> String {
        var words = arguments
        if !words.contains("--resume") { words.append("--resume") }
        return words.map(quoted).joined(separator: " ")
    }

    static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
