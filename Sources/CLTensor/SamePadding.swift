/// TensorFlow's "same" padding along one axis: the output has ceil(input / stride)
/// positions, and the zeros needed for that are split with the smaller half before the
/// image (so for stride 2 and an even input the extra zero goes after it).
///
/// Why it matters: networks trained in TensorFlow (EfficientNet-Lite) were trained with
/// this asymmetric padding; PyTorch's symmetric padding shifts every stride-2 layer by
/// half a pixel, and the pretrained features no longer match.
public struct SamePadding: Equatable, Sendable {
    /// Zeros before the first input position.
    public var before: Int
    /// Zeros after the last input position.
    public var after: Int
    /// Output positions: ceil(input / stride).
    public var outputSize: Int

    public init(inputSize: Int, kernel: Int, stride: Int) {
        outputSize = (inputSize + stride - 1) / stride
        let total = max((outputSize - 1) * stride + kernel - inputSize, 0)
        before = total / 2
        after = total - total / 2
    }
}
