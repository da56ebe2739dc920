/// Bilinear resizing of a channel-planar image [C][H][W] into a channels-last one
/// [OH][OW][C'], with an affine map of the values (scale · v + offset) folded in.
///
/// The sampling is PyTorch's `F.interpolate(mode: "bilinear", align_corners: False)`
/// without antialiasing: output pixel i reads input position (i + 0.5) · H / OH − 0.5,
/// clamped at 0, from its two neighbours. That is what the pretrained features of the
/// reference were computed with, so the Swift features match them. A one-channel image
/// is replicated to `outputChannels` (3) channels, so grey datasets feed RGB networks.
public enum BilinearResize {
    /// Resizes one image at `input` into `output` (outHeight · outWidth · outputChannels floats).
    public static func resize(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        into output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
        outputChannels: Int, scale: Float, offset: Float
    ) {
        precondition(
            channels == outputChannels || channels == 1, "cannot map \(channels) channels to \(outputChannels)")
        let rows = taps(input: height, output: outHeight)
        let columns = taps(input: width, output: outWidth)
        for oy in 0..<outHeight {
            let (y0, y1, wy) = rows[oy]
            for ox in 0..<outWidth {
                let (x0, x1, wx) = columns[ox]
                let target = output + (oy &* outWidth &+ ox) &* outputChannels
                for c in 0..<outputChannels {
                    let plane = input + (channels == 1 ? 0 : c) &* height &* width
                    let top = (1 - wx) * plane[y0 &* width &+ x0] + wx * plane[y0 &* width &+ x1]
                    let bottom = (1 - wx) * plane[y1 &* width &+ x0] + wx * plane[y1 &* width &+ x1]
                    target[c] = ((1 - wy) * top + wy * bottom) * scale + offset
                }
            }
        }
    }

    /// For each output position: the two input positions it reads and the weight of the second.
    static func taps(input: Int, output: Int) -> [(Int, Int, Float)] {
        let ratio = Float(input) / Float(output)
        return (0..<output).map { i in
            let source = max(ratio * (Float(i) + 0.5) - 0.5, 0)
            let lower = min(Int(source), input - 1)
            let upper = lower < input - 1 ? lower + 1 : lower
            return (lower, upper, source - Float(lower))
        }
    }
}
