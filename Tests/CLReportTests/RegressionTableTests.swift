import CLResults
import Testing
@testable import CLReport

@Suite("Regression check table")
struct RegressionTableTests {
    @Test("a degraded record fails with a REGRESSED row; the real one passes")
    func degradedVersusReal() throws {
        let real = (0..<3).map {
            SyntheticRecords.run(learner: "nmc", seed: $0, tasks: 5, plasticity: 0.97, retention: 0.96)
        }
        let baseline = try Baseline.measured(from: real, tolerance: 0.01, date: "today")
        let passing = try RegressionCheck.compare(real, with: baseline)
        #expect(passing.exitCode == 0)
        let passText = RegressionTable.render(passing, baselineFile: "split-mnist.yaml")
        #expect(passText.contains("PASS: 4 check(s) within tolerance"))
        #expect(passText.contains("learner  metric"))

        let degraded = (0..<3).map {
            SyntheticRecords.run(learner: "nmc", seed: $0, tasks: 5, plasticity: 0.97, retention: 0.7)
        }
        let failing = try RegressionCheck.compare(degraded, with: baseline)
        #expect(failing.exitCode == 1)
        let failText = RegressionTable.render(failing, baselineFile: "split-mnist.yaml")
        #expect(failText.contains("REGRESSED"))
        #expect(failText.contains("FAIL:"))
        #expect(failText.contains("[0, 1, 2]"))
    }
}
