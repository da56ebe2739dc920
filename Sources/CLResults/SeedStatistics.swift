import Foundation

/// Mean and spread of one number over the seeds of a learner.
///
/// The spread is the *sample* standard deviation (divide by n − 1), because the seeds are a
/// sample of the seeds one could have run; every table header says so. Values that are NaN
/// (not evaluated, or undefined such as forgetting with one task) are left out, and `count`
/// says how many seeds remain, so a mean of two seeds never poses as a mean of three.
public struct SeedStatistics: Sendable, Equatable {
    /// Number of seeds with a finite value.
    public let count: Int
    /// Mean of the finite values; NaN when there is none.
    public let mean: Double
    /// Sample standard deviation (n − 1) of the finite values; NaN when fewer than two.
    public let standardDeviation: Double

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        guard !finite.isEmpty else {
            mean = .nan
            standardDeviation = .nan
            return
        }
        let average = finite.reduce(0, +) / Double(finite.count)
        mean = average
        if finite.count < 2 {
            standardDeviation = .nan
        } else {
            let squares = finite.reduce(0) { $0 + ($1 - average) * ($1 - average) }
            standardDeviation = (squares / Double(finite.count - 1)).squareRoot()
        }
    }

    /// True when at least one seed gave a number.
    public var isAvailable: Bool { count > 0 }
}
