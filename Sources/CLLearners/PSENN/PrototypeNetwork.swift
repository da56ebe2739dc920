import CLTensor

/// A prototype network (Li et al. 2018): encoder f, decoder g, prototypes p_j in the
/// latent space, squared distances d_j(x) = ‖f(x) − p_j‖², and class logits linear in
/// the distances. With deterministic prototypes it is PSENN; with Gaussian ones,
/// Prob-PSENN (the prototypes are then a sample, or the means).
final class PrototypeNetwork: StateContainer {
    let autoencoder: PrototypeAutoencoder
    let prototypes: PrototypeBank
    let output = PrototypeOutputLayer()

    init(
        sampleShape: [Int], hiddenWidths: [Int], latentDimension: Int, probabilistic: Bool,
        generator: inout SeededGenerator
    ) {
        autoencoder = PrototypeAutoencoder(
            sampleShape: sampleShape, hiddenWidths: hiddenWidths,
            latentDimension: latentDimension, generator: &generator)
        prototypes = PrototypeBank(dimension: latentDimension, probabilistic: probabilistic)
    }

    var classCount: Int { output.classCount }

    /// Logits [n, classes] of encodings [n, d] against prototypes [m, d] (one draw, or the means).
    func logits(encodings: Variable, prototypes: Variable) -> Variable {
        output.logits(encodings.pairwiseSquaredDistances(prototypes))
    }

    /// Decoded prototype images [m] + sample shape in [0, 1] of prototype vectors [m, d].
    func decodedImages(_ vectors: Tensor) -> Tensor {
        withoutGradient { autoencoder.decode(Variable(vectors)).value }.reshaped(
            [vectors.shape[0]] + autoencoder.sampleShape)
    }

    /// Everything trainable by name (for the results file).
    var stateDictionary: [String: Tensor] {
        var state = autoencoder.stateDictionary().merging(prototypes.stateDictionary) { a, _ in a }
        state["output.weight"] = output.weight.value
        return state
    }
}
