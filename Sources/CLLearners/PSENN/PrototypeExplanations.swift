import CLTensor

/// What makes the network self-explainable, recorded after every task under
/// `/learner/<label>/`:
///
/// - `prototype_images` [m, C, H, W] in [0, 1]: the decoded prototype means g(μ_j);
///   `prototype_classes` [m] (learner labels) and `prototype_tasks` [m].
/// - Probabilistic prototypes only, their explanatory uncertainty:
///   `prototype_spread_images` [m, C, H, W], the per-pixel standard deviation of the
///   decoded draws g(p_j^s) over S draws of p_j (how much the picture of the prototype
///   changes under its own uncertainty); `prototype_spread` [m], its mean over pixels;
///   `prototype_sigma` [m], the mean σ_j over latent dimensions; and
///   `nearest_prototype_change_rate` [tasks so far], how often the nearest prototype of
///   an input changes across draws: the fraction of (input, draw) pairs whose nearest
///   prototype under the draw differs from the one under the means, on up to 1,000
///   training inputs of the task just learned (the test set is the runner's alone).
enum PrototypeExplanations {
    static func record(
        _ network: PrototypeNetwork, task: TaskData, samples: Int, changeRates: inout [Double],
        generator: inout SeededGenerator, context: LearnerContext
    ) {
        let bank = network.prototypes
        let means = bank.means.value
        context.record("prototype_images", network.decodedImages(means))
        context.record("prototype_classes", Tensor(shape: [bank.count], scalars: bank.classes.map(Float.init)))
        context.record("prototype_tasks", Tensor(shape: [bank.count], scalars: bank.tasks.map(Float.init)))
        guard bank.probabilistic else { return }

        let (spreadImages, spread) = decodedSpread(network, samples: samples, generator: &generator)
        context.record("prototype_spread_images", spreadImages)
        context.record("prototype_spread", Tensor(shape: [bank.count], scalars: spread))
        let scales = bank.scales
        let sigma = (0..<bank.count).map { j in
            (0..<bank.dimension).reduce(Float(0)) { $0 + scales.scalars[j * bank.dimension + $1] }
                / Float(bank.dimension)
        }
        context.record("prototype_sigma", Tensor(shape: [bank.count], scalars: sigma))

        let inputs = task.inputs(0..<min(task.count, 1000))
        changeRates.append(nearestPrototypeChangeRate(network, inputs: inputs, samples: samples, generator: &generator))
        context.record(
            "nearest_prototype_change_rate", Tensor(shape: [changeRates.count], scalars: changeRates.map(Float.init)))
    }

    /// Per-pixel standard deviation over `samples` decoded draws of each prototype, and
    /// its mean over pixels per prototype.
    static func decodedSpread(_ network: PrototypeNetwork, samples: Int, generator: inout SeededGenerator) -> (
        Tensor, [Float]
    ) {
        let m = network.prototypes.count, size = network.autoencoder.inputSize
        var sum = [Double](repeating: 0, count: m * size), sumOfSquares = sum
        for _ in 0..<samples {
            let draw = withoutGradient { network.prototypes.sample(generator: &generator).value }
            let decoded = network.decodedImages(draw)
            for i in 0..<(m * size) {
                let v = Double(decoded.scalars[i])
                sum[i] += v
                sumOfSquares[i] += v * v
            }
        }
        var deviation = [Float](repeating: 0, count: m * size)
        for i in 0..<(m * size) {
            let mean = sum[i] / Double(samples)
            deviation[i] = Float(max(0, sumOfSquares[i] / Double(samples) - mean * mean).squareRoot())
        }
        let perPrototype = (0..<m).map { j in deviation[(j * size)..<((j + 1) * size)].reduce(0, +) / Float(size) }
        return (Tensor(shape: [m] + network.autoencoder.sampleShape, scalars: deviation), perPrototype)
    }

    /// Fraction of (input, draw) pairs whose nearest prototype under the draw is not the
    /// nearest under the means.
    static func nearestPrototypeChangeRate(
        _ network: PrototypeNetwork, inputs: Tensor, samples: Int,
        generator: inout SeededGenerator
    ) -> Double {
        let n = inputs.shape[0]
        guard n > 0, samples > 0 else { return .nan }
        let encodings = Variable(
            network.autoencoder.encodings(of: inputs.reshaped([n, network.autoencoder.inputSize])))
        let reference = nearest(withoutGradient { encodings.pairwiseSquaredDistances(network.prototypes.means).value })
        var changed = 0
        for _ in 0..<samples {
            let draw = withoutGradient {
                encodings.pairwiseSquaredDistances(network.prototypes.sample(generator: &generator)).value
            }
            changed += zip(nearest(draw), reference).filter { $0 != $1 }.count
        }
        return Double(changed) / Double(n * samples)
    }

    /// Column of the smallest entry of each row (the first on ties).
    static func nearest(_ distances: Tensor) -> [Int] {
        let rows = distances.shape[0], columns = distances.shape[1]
        return (0..<rows).map { r in
            var best = 0
            for c in 1..<max(columns, 1)
            where distances.scalars[r * columns + c] < distances.scalars[r * columns + best] { best = c }
            return best
        }
    }
}
