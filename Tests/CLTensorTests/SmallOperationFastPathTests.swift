import Testing
@testable import CLTensor

// The fast paths that keep many small operations cheap (the hypernetwork step): each is
// checked against the general code it bypasses, and its gradient against finite differences.

/// The pullback of a leading broadcast (a bias [m] or [1, m], a scalar) sums blocks; it must
/// equal the element-by-element walk for every shape that takes it, and other shapes must
/// not take it.
@Test func leadingBroadcastReductionEqualsTheGeneralWalk() {
    let cases: [(shape: [Int], out: [Int])] = [
        ([7], [5, 7]), ([1, 7], [5, 7]), ([], [3, 4]), ([4, 6], [2, 3, 4, 6]), ([1, 1, 6], [2, 3, 6]),
    ]
    for (index, (shape, out)) in cases.enumerated() {
        #expect(Broadcasting.leadingBroadcast(of: shape, to: out) != nil, "\(shape) against \(out)")
        let gradient = randomTensor(out, seed: UInt64(index + 1))
        let fast = Broadcasting.reduce(gradient, to: shape)
        let walked = Broadcasting.reduceByWalking(gradient, to: shape)
        #expect(fast.shape == shape)
        expectClose(fast, walked, tolerance: 1e-6)
    }
    #expect(Broadcasting.leadingBroadcast(of: [5, 1], to: [5, 7]) == nil)
    #expect(Broadcasting.leadingBroadcast(of: [1, 3, 1], to: [2, 3, 4]) == nil)
}

@Test func biasGradientThroughTheFastReductionMatchesFiniteDifferences() {
    expectGradientsMatch([randomTensor([4, 6], seed: 3), randomTensor([6], seed: 4)]) { v in (v[0] + v[1]) * v[0] }
}

/// Slices of a flat vector (the layers of a generated weight vector) add their gradients
/// into their own ranges; the rest stays zero, and overlapping uses add up.
@Test func sliceGradientsOfAFlatVectorAddIntoTheirRanges() {
    let theta = Variable(randomTensor([12], seed: 5), requiresGrad: true)
    let a = theta.slice(axis: 0, 0..<4), b = theta.slice(axis: 0, 2..<7)
    let loss = (a * a).sum() + (b * 3).sum()
    loss.backward()
    let x = theta.value.scalars
    let expected = (0..<12).map { i -> Float in (i < 4 ? 2 * x[i] : 0) + ((2..<7).contains(i) ? 3 : 0) }
    expectClose(theta.grad!, Tensor(shape: [12], scalars: expected), tolerance: 1e-6)
    expectGradientsMatch([randomTensor([10], seed: 6)]) { v in v[0].slice(axis: 0, 3..<8) * v[0].slice(axis: 0, 0..<5) }
    // Slices inside rows (one block per outer index), and an empty slice.
    expectGradientsMatch([randomTensor([3, 5], seed: 9)]) { v in v[0].slice(axis: 1, 1..<4) * v[0].slice(axis: 1, 0..<3)
    }
    expectGradientsMatch([randomTensor([2, 3, 4], seed: 10)]) { v in v[0].slice(axis: 1, 1..<3) * 2 }
    let rows = Variable(randomTensor([2, 3], seed: 11), requiresGrad: true)
    #expect(rows.slice(axis: 1, 2..<2).shape == [2, 0])
    let matrix = randomTensor([3, 5], seed: 12)
    #expect(
        Variable(matrix).slice(axis: 1, 1..<4).value.scalars
            == [1, 2, 3, 6, 7, 8, 11, 12, 13].map { matrix.scalars[$0] })
}

/// Σ (w (x − t))² equals a naive double-precision loop (and the four-operation form), and
/// its gradient matches finite differences, with and without weights; lengths that are not
/// a multiple of the vector width exercise the tail.
@Test func squaredDistanceEqualsANaiveLoopAndItsGradient() {
    for length in [50, 3, 64] {
        let x = randomTensor([length], seed: 7), target = randomTensor([length], seed: 8)
        var mask = Tensor(shape: [length], repeating: 1)
        for i in stride(from: 0, to: length, by: 3) { mask.scalars[i] = 0 }
        for weights in [nil, mask] {
            let fused = Variable(x).squaredDistance(to: target, weights: weights).value
            var naive = 0.0
            for i in 0..<length {
                let d = Double(weights?.scalars[i] ?? 1) * (Double(x.scalars[i]) - Double(target.scalars[i]))
                naive += d * d
            }
            #expect(
                fused.shape == [] && abs(Double(fused.scalars[0]) - naive) <= 1e-5 * max(1, naive),
                "\(fused.scalars) vs \(naive)")
            var difference = Variable(x) - Variable(target)
            if let weights { difference = difference * Variable(weights) }
            expectClose(fused, (difference * difference).sum().value, tolerance: 1e-5)
            expectGradientsMatch([x]) { v in v[0].squaredDistance(to: target, weights: weights) }
        }
    }
}
