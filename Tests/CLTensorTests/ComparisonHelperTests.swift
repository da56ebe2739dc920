import Testing
@testable import CLTensor

/// The comparison helpers themselves: a NaN must fail them, never slip through.
@Test func aNaNIsTheWorstError() {
    #expect(worseOf(0.5, .nan).isNaN && worseOf(.nan, 0.1).isNaN)
    #expect(worseOf(0.5, 0.25) == 0.5)
    // The way every helper concludes: `worst <= tolerance` is false for NaN.
    let worst = worseOf(0, .nan)
    #expect(!(worst <= 1))
}

@Test func expectCloseRecordsAnIssueForANaN() {
    withKnownIssue("a NaN against a number must fail expectClose") {
        expectClose(Tensor(shape: [2], scalars: [1, .nan]), Tensor(shape: [2], scalars: [1, 2]))
    }
    withKnownIssue("a NaN on the reference side must fail too") {
        expectClose(Tensor(shape: [1], scalars: [1]), Tensor(shape: [1], scalars: [.nan]))
    }
    expectClose(Tensor(shape: [2], scalars: [.infinity, 3]), Tensor(shape: [2], scalars: [.infinity, 3]))
}

@Test func aGradientCheckFailsWhenTheTapeGivesNaN() {
    withKnownIssue("a NaN gradient must fail the finite-difference check") {
        expectGradientsMatch([Tensor(shape: [2], scalars: [0.5, -0.5])]) { inputs in
            // log of a negative input: the finite differences are NaN, the tape's 1/x is not.
            inputs[0].log()
        }
    }
}
