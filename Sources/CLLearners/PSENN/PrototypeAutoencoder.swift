import CLTensor

/// The encoder f and decoder g of a prototype network (Li et al. 2018), on flattened inputs.
///
/// Li et al.'s code (OscarcarLi/PrototypeDL, `CAE_MNIST.py`) uses four 3x3 stride-2
/// convolutions to a 2x2x10 = 40-d latent and transposed convolutions back. Here both
/// are MLPs: the encoder is Linear→ReLU for each hidden width of the protocol's
/// `backbone: { kind: mlp, widths: [...] }`, then a linear map to the latent (no
/// activation, so prototypes and the N(0, I) prior of Prob-PSENN live on the same
/// unbounded space); the decoder mirrors it (latent → reversed widths with ReLU → pixels
/// through a sigmoid, so decoded images are in (0, 1) like the inputs). Why an MLP:
/// CLTensor has no transposed convolution, the inputs are 28x28, and on the 2 shared
/// CPU cores of this project an MLP autoencoder trains a task in seconds; the same hidden
/// widths as the `finetune`/`joint` MLP make the comparison like for like. Inputs are the
/// raw pixels in [0, 1], not standardised as the baselines' backbones do: the decoder
/// reconstructs exactly what the encoder sees (as in Li et al.'s code).
final class PrototypeAutoencoder: Layer {
    let encoderLayers: [Linear]
    let decoderLayers: [Linear]
    /// Shape of one input sample ([C, H, W] or [d]); decoded images are reshaped to it.
    let sampleShape: [Int]
    let latentDimension: Int

    init(sampleShape: [Int], hiddenWidths: [Int], latentDimension: Int, generator: inout SeededGenerator) {
        precondition(latentDimension > 0 && hiddenWidths.allSatisfy { $0 > 0 })
        let inputs = sampleShape.reduce(1, *)
        var encoder: [Linear] = [], previous = inputs
        for width in hiddenWidths + [latentDimension] {
            encoder.append(Linear(inputs: previous, outputs: width, generator: &generator))
            previous = width
        }
        var decoder: [Linear] = []
        for width in hiddenWidths.reversed() + [inputs] {
            decoder.append(Linear(inputs: previous, outputs: width, generator: &generator))
            previous = width
        }
        encoderLayers = encoder
        decoderLayers = decoder
        self.sampleShape = sampleShape
        self.latentDimension = latentDimension
    }

    var inputSize: Int { sampleShape.reduce(1, *) }

    /// Latent encodings [n, latent] of a batch ([n] + sample shape, pixels in [0, 1]).
    func encode(_ input: Variable) -> Variable {
        var x = input.rank == 2 ? input : input.flattened()
        for (index, layer) in encoderLayers.enumerated() {
            x = layer(x)
            if index < encoderLayers.count - 1 { x = x.relu() }
        }
        return x
    }

    /// Decoded inputs [n, input size] in (0, 1) of latent vectors [n, latent].
    func decode(_ latent: Variable) -> Variable {
        var x = latent
        for (index, layer) in decoderLayers.enumerated() {
            x = layer(x)
            x = index < decoderLayers.count - 1 ? x.relu() : x.sigmoid()
        }
        return x
    }

    /// Encodings without gradient (evaluation, prototype initialisation, diagnostics).
    func encodings(of batch: Tensor) -> Tensor {
        withoutGradient { encode(Variable(batch)).value }
    }

    var namedVariables: [(name: String, variable: Variable)] {
        encoderLayers.enumerated().flatMap { prefixed("encoder.\($0.offset)", $0.element) }
            + decoderLayers.enumerated().flatMap { prefixed("decoder.\($0.offset)", $0.element) }
    }
}

extension PrototypeAutoencoder: NetworkPart {}
