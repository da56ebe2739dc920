/// The activation an inference kernel applies to its output before storing it.
public enum InferenceActivation: Sendable {
    /// Output unchanged.
    case none
    /// min(max(x, 0), 6): MobileNet's and EfficientNet-Lite's activation (quantisation
    /// friendly, which is why the Lite models use it instead of swish).
    case relu6
}
