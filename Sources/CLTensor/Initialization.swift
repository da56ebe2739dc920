/// Weight initialisers (He et al. 2015; Glorot and Bengio 2010). Fan-in and fan-out
/// follow PyTorch: for a weight [out, in, k...], fan-in = in·∏k and fan-out = out·∏k.
public enum Initializer {
    public enum FanMode: Sendable { case fanIn, fanOut }

    static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "initialisers need a weight of rank ≥ 2, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// N(0, gain²/fan), gain √2 for ReLU (PyTorch kaiming_normal_ default).
    public static func kaimingNormal(
        _ shape: [Int], mode: FanMode = .fanIn, gain: Float = Float(2).squareRoot(),
        generator: inout SeededGenerator
    ) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let deviation = gain / Float(mode == .fanIn ? fanIn : fanOut).squareRoot()
        return normal(shape, deviation: deviation, generator: &generator)
    }

    /// U(−b, b) with b = gain·√(3/fan).
    public static func kaimingUniform(
        _ shape: [Int], mode: FanMode = .fanIn, gain: Float = Float(2).squareRoot(),
        generator: inout SeededGenerator
    ) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = gain * (3 / Float(mode == .fanIn ? fanIn : fanOut)).squareRoot()
        return uniform(shape, bound: bound, generator: &generator)
    }

    /// U(−b, b) with b = gain·√(6/(fanIn + fanOut)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        return uniform(shape, bound: gain * (6 / Float(fanIn + fanOut)).squareRoot(), generator: &generator)
    }

    /// N(0, gain²·2/(fanIn + fanOut)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        return normal(shape, deviation: gain * (2 / Float(fanIn + fanOut)).squareRoot(), generator: &generator)
    }

    /// PyTorch's default for Linear and Conv2d weights and biases: U(−1/√fanIn, 1/√fanIn).
    public static func pytorchDefault(_ shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Tensor {
        uniform(shape, bound: 1 / Float(fanIn).squareRoot(), generator: &generator)
    }

    public static func uniform(_ shape: [Int], bound: Float, generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.scalars[i] = generator.nextUniform(-bound, bound) }
        return t
    }

    public static func normal(_ shape: [Int], deviation: Float, mean: Float = 0, generator: inout SeededGenerator)
        -> Tensor
    {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.scalars[i] = mean + deviation * generator.nextNormal() }
        return t
    }
}
