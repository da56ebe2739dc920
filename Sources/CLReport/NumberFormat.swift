import CLResults
import Foundation

/// How reports print numbers: four decimals for accuracies (fractions in [0, 1]), so that a
/// 0.01 tolerance and a 0.001 difference between learners are both visible.
enum NumberFormat {
    /// "0.8012", or "n/a" for NaN: a missing number must never print as 0.
    static func value(_ number: Double, decimals: Int = 4) -> String {
        guard number.isFinite else { return "n/a" }
        let text = String(format: "%.\(decimals)f", number)
        // "-0.0000" reads as a real negative value; it is a rounding artefact.
        if let parsed = Double(text), parsed == 0 { return String(format: "%.\(decimals)f", 0.0) }
        return text
    }

    /// "0.8012 ± 0.0031", "0.8012" for a single seed, "n/a" when no seed has a number.
    static func meanAndDeviation(_ statistics: SeedStatistics, decimals: Int = 4) -> String {
        guard statistics.isAvailable else { return "n/a" }
        guard statistics.standardDeviation.isFinite else { return value(statistics.mean, decimals: decimals) }
        return
            "\(value(statistics.mean, decimals: decimals)) ± "
            + "\(value(statistics.standardDeviation, decimals: decimals))"
    }

    /// Seconds as "12.3 s", "4 min 05 s" or, beyond a day, "2.5e+06 s" (no integer
    /// conversion of a value that does not fit one).
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        if seconds >= 86_400 { return String(format: "%.3g s", seconds) }
        let minutes = Int(seconds / 60)
        return String(format: "%d min %02d s", minutes, Int(seconds) - minutes * 60)
    }

    /// Bytes as MiB/GiB.
    static func memory(_ bytes: Int?) -> String {
        guard let bytes else { return "n/a" }
        let mebibytes = Double(bytes) / 1_048_576
        if mebibytes >= 1024 { return String(format: "%.2f GiB", mebibytes / 1024) }
        return String(format: "%.0f MiB", mebibytes)
    }
}
