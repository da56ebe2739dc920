import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Progress output: log lines always; live status updates as one rewritten line when
/// standard output is a terminal, and not at all otherwise (CI logs stay readable).
final class TerminalOutput {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    private var statusShown = false

    /// Prints a log line (clearing a live status line first).
    func line(_ text: String) {
        clearStatus()
        say(text)
    }

    /// Shows `text` as the live status line (terminals only).
    func status(_ text: String) {
        guard isTerminal else { return }
        let width = 200
        StandardStreams.output("\r\u{1B}[K" + String(text.prefix(width)))
        statusShown = true
    }

    private func clearStatus() {
        if statusShown {
            StandardStreams.output("\r\u{1B}[K")
            statusShown = false
        }
    }
}
