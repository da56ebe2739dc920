/// A rule a hyperparameter's value must follow beyond its type: a range, or a check that
/// reads other keys of the learner's configuration (including its `training:` and
/// `backbone:` blocks). Rules are part of the declaration, so the protocol parser checks
/// them before any data loads and the learner's `init` trusts the values it reads.
public struct HyperparameterRule<Value: HyperparameterType>: Sendable {
    /// How `cl-bench list` shows the rule ("≥ 1", "in 0 ... 1").
    public let summary: String
    /// The key a violation names when it is not the rule's own hyperparameter
    /// (for example `training.steps`); nil: the hyperparameter itself.
    public let key: String?
    /// A value that breaks the rule whatever the other keys say (nil when the rule depends
    /// on them): lets tests try every rule without knowing it.
    public let counterexample: Value?
    /// What is wrong with `value` in `config`, or nil.
    let problem: @Sendable (Value, LearnerConfig) -> String?

    /// A rule of its own: `problem` returns the message for a value that breaks it, or nil.
    public static func custom(
        _ summary: String, key: String? = nil,
        _ problem: @escaping @Sendable (Value, LearnerConfig) -> String?
    ) -> Self {
        Self(summary: summary, key: key, counterexample: nil, problem: problem)
    }

    /// A rule on the value alone, with a value that breaks it.
    static func bound(_ summary: String, counterexample: Value, _ holds: @escaping @Sendable (Value) -> Bool) -> Self {
        Self(summary: summary, key: nil, counterexample: counterexample) { value, _ in
            holds(value) ? nil : "must be \(summary), got \(value.hyperparameter)"
        }
    }
}

extension HyperparameterRule where Value == Int {
    /// `value >= minimum`.
    public static func atLeast(_ minimum: Int) -> Self {
        bound("≥ \(minimum)", counterexample: minimum - 1) { $0 >= minimum }
    }
    /// `range.lowerBound <= value <= range.upperBound`: sizes get an upper bound too, so
    /// that no size can overflow the arithmetic of shapes.
    public static func within(_ range: ClosedRange<Int>) -> Self {
        bound("in \(range.lowerBound) ... \(range.upperBound)", counterexample: range.lowerBound - 1) {
            range.contains($0)
        }
    }
}

extension HyperparameterRule where Value == Double {
    /// `value >= minimum`.
    public static func atLeast(_ minimum: Double) -> Self {
        bound("≥ \(shown(minimum))", counterexample: minimum - 1) { $0 >= minimum }
    }
    /// `value > minimum` (`greaterThan(0)`: positive).
    public static func greaterThan(_ minimum: Double) -> Self {
        bound("> \(shown(minimum))", counterexample: minimum) { $0 > minimum }
    }
    /// `value < maximum`.
    public static func lessThan(_ maximum: Double) -> Self {
        bound("< \(shown(maximum))", counterexample: maximum) { $0 < maximum }
    }
    /// `range.lowerBound <= value <= range.upperBound`.
    public static func within(_ range: ClosedRange<Double>) -> Self {
        bound("in \(shown(range.lowerBound)) ... \(shown(range.upperBound))", counterexample: range.lowerBound - 1) {
            range.contains($0)
        }
    }

    /// A bound as people write it: 0, not 0.0.
    private static func shown(_ bound: Double) -> String {
        bound == bound.rounded() && abs(bound) < 1e15 ? String(Int(bound)) : String(bound)
    }
}

extension HyperparameterRule where Value == [Double] {
    /// Every element a whole number in `range` (sizes written as a list, such as widths).
    public static func wholeNumbers(in range: ClosedRange<Int>) -> Self {
        bound(
            "whole numbers in \(range.lowerBound) ... \(range.upperBound)",
            counterexample: [Double(range.lowerBound - 1)]
        ) { values in
            values.allSatisfy { $0 == $0.rounded() && Double(range.lowerBound) <= $0 && $0 <= Double(range.upperBound) }
        }
    }
}
