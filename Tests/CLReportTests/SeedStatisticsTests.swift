import CLResults
import Testing
@testable import CLReport

@Suite("Statistics over seeds")
struct SeedStatisticsTests {
    @Test("mean and sample standard deviation with n − 1")
    func sampleDeviation() {
        let statistics = SeedStatistics([1, 2, 3, 4])
        #expect(statistics.count == 4)
        #expect(statistics.mean == 2.5)
        // Σ(x − 2.5)² = 5; sample variance 5 / 3 (a population std would give √(5/4)).
        #expect(abs(statistics.standardDeviation - (5.0 / 3.0).squareRoot()) < 1e-12)
    }

    @Test("NaN values are left out and the count says so")
    func nanLeftOut() {
        let statistics = SeedStatistics([0.5, .nan, 0.7])
        #expect(statistics.count == 2)
        #expect(abs(statistics.mean - 0.6) < 1e-12)
    }

    @Test("one seed has a mean but no spread; no seed has neither")
    func degenerateCounts() {
        let single = SeedStatistics([0.8])
        #expect(single.mean == 0.8)
        #expect(single.standardDeviation.isNaN)
        #expect(NumberFormat.meanAndDeviation(single) == "0.8000")
        let none = SeedStatistics([.nan, .nan])
        #expect(!none.isAvailable)
        #expect(none.mean.isNaN)
        #expect(NumberFormat.meanAndDeviation(none) == "n/a")
    }

    @Test("formatting never prints a missing number as zero, nor −0")
    func formatting() {
        #expect(NumberFormat.value(.nan) == "n/a")
        #expect(NumberFormat.value(-0.00001) == "0.0000")
        #expect(NumberFormat.meanAndDeviation(SeedStatistics([0.1, 0.3])) == "0.2000 ± 0.1414")
        #expect(NumberFormat.duration(75) == "75.0 s")
        #expect(NumberFormat.duration(245) == "4 min 05 s")
        // Timings no integer holds print as numbers instead of trapping (damaged or hand-made files).
        #expect(NumberFormat.duration(1e300) == "1e+300 s")
        #expect(NumberFormat.duration(.nan) == "n/a")
        #expect(NumberFormat.memory(512 * 1_048_576) == "512 MiB")
    }
}
