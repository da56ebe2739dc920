import HDF5Kit

/// One label's runs must share one configuration before anything averages them: a report,
/// an export, a baseline or a check that mixed a rerun seed under an edited setting with the
/// seeds of the old one would pass off a blend as either. Runs of one protocol and label are
/// compared by their `configuration` (`RunConfiguration`; files written before it existed by
/// `learner_config`). By default a difference is refused, naming two files and the first
/// differing key; `.splitApart` reports each configuration under its own label instead.
public enum MixedConfigurations: Sendable {
    case refuse
    case splitApart

    /// `records`, checked (or relabelled: `label [configuration 2]`, ... in order of appearance).
    public func apply(to records: [RunRecord]) throws -> [RunRecord] {
        var result = records
        var groups: [String: [(key: String, first: RunRecord)]] = [:]  // by protocol and label
        for index in result.indices {
            let run = result[index]
            let group = run.protocolName + "\u{0}" + run.learner
            let key = Self.key(of: run)
            var seen = groups[group, default: []]
            if let position = seen.firstIndex(where: { $0.key == key }) {
                if position > 0 { result[index].learner = Self.label(run.learner, position) }
                continue
            }
            if let first = seen.first?.first {
                switch self {
                case .refuse:
                    throw InputError(
                        file: first.path,
                        "and \(run.path) are runs of '\(run.learner)' (protocol \(run.protocolName)) with different "
                            + "configurations (\(Self.difference(first, run))); averaging them would blend two "
                            + "settings: move one away, or give --split-configurations to report them apart")
                case .splitApart:
                    result[index].learner = Self.label(run.learner, seen.count)
                }
            }
            seen.append((key, run))
            groups[group] = seen
        }
        return result
    }

    private static func label(_ learner: String, _ position: Int) -> String {
        "\(learner) [configuration \(position + 1)]"
    }

    private static func key(of run: RunRecord) -> String {
        run.configuration.map { "configuration\u{0}" + $0.text } ?? "learner_config\u{0}" + run.learnerConfig
    }

    private static func difference(_ a: RunRecord, _ b: RunRecord) -> String {
        if let x = a.configuration, let y = b.configuration, let difference = RunConfiguration.firstDifference(x, y) {
            return difference.description
        }
        if a.learnerConfig != b.learnerConfig { return "learner_config: \(a.learnerConfig) vs \(b.learnerConfig)" }
        return "one file records its configuration, the other predates it"
    }
}
