import Testing
@testable import CLTensor

@Suite struct OptimizerTests {
    func parameter(_ values: [Float], gradient: [Float]) -> Variable {
        let p = Variable(Tensor(shape: [values.count], scalars: values), requiresGrad: true)
        p.grad = Tensor(shape: [gradient.count], scalars: gradient)
        return p
    }

    @Test func sgdMomentumWeightDecay() {
        let p = parameter([1, -2], gradient: [0.5, 0.25])
        let optimizer = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        optimizer.step()
        // d = g + 0.01θ = [0.51, 0.23]; buffer = d; θ − 0.1·d
        expectClose(p.value, Tensor(shape: [2], scalars: [1 - 0.051, -2 - 0.023]), tolerance: 1e-6)
        optimizer.step()
        // same gradient again: d' = g + 0.01θ'; buffer = 0.9·d + d'
        let theta1: [Float] = [0.949, -2.023]
        let d2 = [0.5 + 0.01 * theta1[0], 0.25 + 0.01 * theta1[1]]
        let b2 = [0.9 * 0.51 + d2[0], 0.9 * 0.23 + d2[1]]
        expectClose(
            p.value, Tensor(shape: [2], scalars: [theta1[0] - 0.1 * b2[0], theta1[1] - 0.1 * b2[1]]), tolerance: 1e-6)
    }

    @Test func sgdGroupMomentumOverridesTheOptimizers() {
        let withMomentum = parameter([1], gradient: [1])
        let without = parameter([1], gradient: [1])
        let optimizer = SGD(
            groups: [
                ParameterGroup(parameters: [withMomentum], learningRate: 0.1),
                ParameterGroup(parameters: [without], learningRate: 0.1, momentum: 0),
            ],
            momentum: 0.9)
        optimizer.step()
        optimizer.step()
        // momentum 0.9: 1 − 0.1·1 − 0.1·(0.9 + 1) = 0.71; plain SGD: 1 − 2·0.1 = 0.8
        #expect(Swift.abs(withMomentum.value.scalars[0] - 0.71) < 1e-6)
        #expect(Swift.abs(without.value.scalars[0] - 0.8) < 1e-6)
    }

    @Test func sgdNesterov() {
        let p = parameter([1], gradient: [1])
        let optimizer = SGD(parameters: [p], learningRate: 0.1, momentum: 0.5, nesterov: true)
        optimizer.step()  // buffer 1, step g + 0.5·1 = 1.5
        #expect(Swift.abs(p.value.scalars[0] - 0.85) < 1e-6)
        optimizer.step()  // buffer 0.5 + 1 = 1.5, step 1 + 0.75 = 1.75
        #expect(Swift.abs(p.value.scalars[0] - (0.85 - 0.175)) < 1e-6)
    }

    @Test func plainSGDAndUnusedParameters() {
        let used = parameter([1], gradient: [2])
        let unused = Variable(Tensor(shape: [1], scalars: [5]), requiresGrad: true)
        let optimizer = SGD(parameters: [used, unused], learningRate: 0.5)
        optimizer.step()
        #expect(used.value.scalars == [0])
        #expect(unused.value.scalars == [5])
        optimizer.zeroGradients()
        #expect(used.grad == nil)
    }

    @Test func adamFirstTwoSteps() {
        let p = parameter([1, 2], gradient: [0.1, -3])
        let optimizer = Adam(parameters: [p], learningRate: 0.01)
        optimizer.step()
        // First step with bias correction moves each coordinate by lr·g/(|g| + ε) ≈ lr·sign(g).
        expectClose(p.value, Tensor(shape: [2], scalars: [0.99, 2.01]), tolerance: 1e-6)
        p.grad = Tensor(shape: [2], scalars: [0.2, -3])
        optimizer.step()
        let m = 0.9 * 0.1 * 0.1 + 0.1 * 0.2, v = 0.999 * 0.001 * 0.01 + 0.001 * 0.04
        let mHat = m / (1 - 0.81), vHat = v / (1 - 0.999 * 0.999)
        let expected = 0.99 - 0.01 * mHat / (vHat.squareRoot() + 1e-8)
        #expect(Swift.abs(Double(p.value.scalars[0]) - expected) < 1e-6)
    }

    @Test func adamWeightDecayCoupledAndDecoupled() {
        let coupled = parameter([2], gradient: [0])
        Adam(parameters: [coupled], learningRate: 0.1, weightDecay: 0.5).step()
        // g = 0 + 0.5·2 = 1, so the first step is −lr.
        #expect(Swift.abs(coupled.value.scalars[0] - 1.9) < 1e-6)
        let decoupled = parameter([2], gradient: [1])
        AdamW(parameters: [decoupled], learningRate: 0.1, weightDecay: 0.5).step()
        // θ(1 − 0.05) − 0.1 = 1.8
        #expect(Swift.abs(decoupled.value.scalars[0] - 1.8) < 1e-6)
    }

    @Test func parameterGroupsAndSchedules() {
        let a = parameter([1], gradient: [1]), b = parameter([1], gradient: [1])
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [a], learningRate: 0.1),
            ParameterGroup(parameters: [b], learningRate: 1.0),
        ])
        optimizer.apply(StepSchedule(period: 2, factor: 0.5), at: 2)
        optimizer.step()
        #expect(Swift.abs(a.value.scalars[0] - 0.95) < 1e-6)
        #expect(Swift.abs(b.value.scalars[0] - 0.5) < 1e-6)

        #expect(MultiStepSchedule(milestones: [3, 5], factor: 0.1).learningRate(initial: 1, at: 4) == 0.1)
        #expect(
            Swift.abs(MultiStepSchedule(milestones: [3, 5], factor: 0.1).learningRate(initial: 1, at: 5) - 0.01) < 1e-8)
        let cosine = CosineSchedule(total: 10, minimum: 0.1)
        #expect(cosine.learningRate(initial: 1, at: 0) == 1)
        #expect(Swift.abs(cosine.learningRate(initial: 1, at: 5) - 0.55) < 1e-6)
        #expect(Swift.abs(cosine.learningRate(initial: 1, at: 10) - 0.1) < 1e-6)
        let warm = WarmupSchedule(steps: 4, startFactor: 0, then: CosineSchedule(total: 10))
        #expect(warm.learningRate(initial: 1, at: 0) == 0)
        #expect(warm.learningRate(initial: 1, at: 2) == 0.5)
        #expect(warm.learningRate(initial: 1, at: 4) == 1)
    }
}

@Suite struct InitialisationAndRandomnessTests {
    @Test func splitMixReferenceValues() {
        // First outputs of SplitMix64 seeded with 0 (the published reference sequence).
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func distributionsHaveTheRightMoments() {
        var generator = SeededGenerator(seed: 1)
        let w = Initializer.kaimingNormal([64, 32, 3, 3], mode: .fanOut, generator: &generator)
        let variance = w.scalars.map { $0 * $0 }.reduce(0, +) / Float(w.count)
        #expect(Swift.abs(variance - 2 / Float(64 * 9)) / (2 / Float(64 * 9)) < 0.05)
        let u = Initializer.xavierUniform([100, 50], generator: &generator)
        let bound = (6 / Float(150)).squareRoot()
        #expect(u.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(u.scalars.max()! > 0.9 * bound)
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        #expect(a.permutation(50) == b.permutation(50))
        #expect(Set(a.permutation(50)) == Set(0..<50))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
