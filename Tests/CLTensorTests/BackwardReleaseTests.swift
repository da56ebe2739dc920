import Testing
@testable import CLTensor

@Test func aSecondBackwardThroughAReleasedGraphStops() async {
    // Two losses sharing a feature, each backward()ed on its own: the second would reach no
    // parameter. It must stop with a message instead of silently dropping the gradient.
    await #expect(processExitsWith: .failure) {
        let w = Variable(Tensor(shape: [1], scalars: [2]), requiresGrad: true)
        let feature = w * w
        let first = (feature * 3).sum(), second = (feature * 5).sum()
        first.backward()
        second.backward()
    }
    await #expect(processExitsWith: .failure) {
        let w = Variable(Tensor(shape: [1], scalars: [2]), requiresGrad: true)
        let loss = (w * w).sum()
        loss.backward()
        loss.backward()
    }
}

@Test func oneBackwardOfTheSumGivesBothLossesGradients() {
    let w = Variable(Tensor(shape: [1], scalars: [2]), requiresGrad: true)
    let feature = w * w
    ((feature * 3).sum() + (feature * 5).sum()).backward()
    #expect(w.grad?.scalars == [32])  // d/dw 8w² = 16w
}
