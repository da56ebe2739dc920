import Testing
@testable import CLData

@Suite struct MersenneTwisterTests {
    @Test func rawOutputsMatchTheReferenceGenerator() {
        // Reference MT19937 with the default seed 5489: first output 3499211612, and the
        // 10000th output is 4123659995 (the value the C++ standard requires of std::mt19937).
        var generator = MersenneTwister(seed: 5489)
        #expect(generator.nextUInt32() == 3_499_211_612)
        for _ in 0..<9998 { _ = generator.nextUInt32() }
        #expect(generator.nextUInt32() == 4_123_659_995)
    }

    @Test func seed1993Over100ClassesIsPyCILsOrder() {
        // Computed once with numpy 2.4.6: np.random.RandomState(1993).permutation(100).tolist()
        let numpy = [
            68, 56, 78, 8, 23, 84, 90, 65, 74, 76, 40, 89, 3, 92, 55, 9, 26, 80, 43, 38, 58, 70, 77, 1, 85, 19, 17,
            50, 28, 53, 13, 81, 45, 82, 6, 59, 83, 16, 15, 44, 91, 41, 72, 60, 79, 52, 20, 10, 31, 54, 37, 95, 14, 71,
            96, 98, 97, 2, 64, 66, 42, 22, 35, 86, 24, 34, 87, 21, 99, 0, 88, 27, 18, 94, 11, 12, 47, 25, 30, 46, 62,
            69, 36, 61, 7, 63, 75, 5, 32, 4, 51, 48, 73, 93, 39, 67, 29, 49, 57, 33,
        ]
        var generator = MersenneTwister(seed: 1993)
        #expect(generator.permutation(100) == numpy)
    }

    @Test func otherSeedsAndSizesMatchNumpy() {
        // Computed once with numpy: np.random.RandomState(s).permutation(n).tolist()
        var a = MersenneTwister(seed: 0)
        #expect(a.permutation(10) == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
        var b = MersenneTwister(seed: 42)
        #expect(b.permutation(7) == [0, 1, 5, 2, 4, 3, 6])
        var c = MersenneTwister(seed: 1)
        let large = c.permutation(1000)
        #expect(Array(large.prefix(12)) == [507, 818, 452, 368, 242, 929, 262, 810, 318, 49, 446, 142])
        #expect(Array(large.suffix(5)) == [767, 72, 908, 235, 37])
        #expect(large.sorted() == Array(0..<1000))
        // np.random.RandomState(3).choice(20, 5, replace=False).tolist()
        var d = MersenneTwister(seed: 3)
        #expect(d.choose(5, from: Array(0..<20)) == [14, 2, 1, 17, 4])
    }

    @Test func boundedDrawsStayInRange() {
        var generator = MersenneTwister(seed: 7)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let value = generator.nextInteger(upToInclusive: 5)
            #expect(value >= 0 && value <= 5)
            seen.insert(value)
        }
        #expect(seen.count == 6)
    }
}
