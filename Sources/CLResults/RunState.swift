import Foundation
import HDF5Kit

/// Where one run stands, as its results file (and, for sweeps, the scheduler) tells it.
/// The five states `cl-bench sweep status` counts.
public enum RunState: String, CaseIterable, Sendable {
    case complete
    case running
    case interrupted
    case failed
    case notStarted = "not started"

    /// The state recorded in the results file at `path` (its root attribute `status`);
    /// `notStarted` when there is no file. A file that cannot be read as a results file
    /// counts as failed: it has to be run again either way.
    public static func ofResultsFile(at path: String) -> RunState {
        guard FileManager.default.fileExists(atPath: path) else { return .notStarted }
        guard let file = try? HDF5File.open(path) else { return .failed }
        defer { file.close() }
        guard let status = (try? file.attribute("status"))??.stringValue else { return .failed }
        return RunState(rawValue: status) ?? .failed
    }
}
