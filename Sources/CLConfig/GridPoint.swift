import CLLearners

/// One point of a learner's hyperparameter grid: the values it sets and the label its
/// results go under, `<learner>-<key>-<value>[-<key>-<value>...]` (e.g. `prd-distill_weight-4`).
public struct GridPoint: Sendable, Equatable {
    /// The learner entry name (label) the point derives from.
    public var learner: String
    /// (key, value, value as YAML text), one per grid axis, in file order.
    public var settings: [Setting]

    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: HyperparameterValue
        public var yaml: String
    }

    public var label: String {
        ([learner] + settings.map { GridPoint.labelPart(key: $0.key, value: $0.value) }).joined(separator: "-")
    }

    /// `key-value`, with lists joined by '_' (`widths-400_400`).
    static func labelPart(key: String, value: HyperparameterValue) -> String {
        let text: String
        switch value {
        case .numbers(let items): text = items.map { compact($0) }.joined(separator: "_")
        case .number(let v): text = compact(v)
        default: text = value.description
        }
        return "\(key)-\(text)"
    }

    /// Whole numbers without ".0" (a grid of 1, 2, 4 gives `-4`, as written), others in their shortest exact form.
    private static func compact(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Every combination of the axes' values, the first axis varying slowest.
    public static func all(learner: String, axes: [GridAxis]) -> [GridPoint] {
        var points = [GridPoint(learner: learner, settings: [])]
        for axis in axes {
            points = points.flatMap { point in
                zip(axis.values, axis.yamlValues).map { value, yaml in
                    var next = point
                    next.settings.append(Setting(key: axis.key, value: value, yaml: yaml))
                    return next
                }
            }
        }
        return points
    }
}
