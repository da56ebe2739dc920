/// Downscaling by area averaging: each output pixel is the mean of the input area it
/// covers, with fractional overlaps weighted (105 -> 28 is a factor of 3.75). Unlike
/// point sampling it keeps thin strokes (Omniglot) visible. Separable: rows, then columns.
enum AreaResize {
    /// For each output coordinate, the (input coordinate, weight) pairs covering it; weights sum to 1.
    static func weights(from input: Int, to output: Int) -> [[(Int, Float)]] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { o in
            let start = Double(o) * scale, end = Double(o + 1) * scale
            var taps: [(Int, Float)] = []
            var i = Int(start)
            while Double(i) < end, i < input {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                if overlap > 1e-12 { taps.append((i, Float(overlap / scale))) }
                i += 1
            }
            return taps
        }
    }

    /// Resizes a channel-planar image to `height` x `width`, writing into `destination`
    /// (channels * height * width bytes).
    static func resize(
        _ image: DecodedImage, toHeight height: Int, width: Int, into destination: UnsafeMutablePointer<UInt8>
    ) {
        let rowTaps = weights(from: image.height, to: height)
        let columnTaps = weights(from: image.width, to: width)
        // Columns first into a float buffer of image.height x width per channel.
        var horizontal = [Float](repeating: 0, count: image.height * width)
        image.pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { middle in
                for c in 0..<image.channels {
                    let plane = c &* image.width &* image.height
                    for y in 0..<image.height {
                        let row = plane &+ y &* image.width
                        for x in 0..<width {
                            var sum: Float = 0
                            for (i, w) in columnTaps[x] { sum += Float(source[row &+ i]) * w }
                            middle[y &* width &+ x] = sum
                        }
                    }
                    let outPlane = c &* height &* width
                    for y in 0..<height {
                        for x in 0..<width {
                            var sum: Float = 0
                            for (i, w) in rowTaps[y] { sum += middle[i &* width &+ x] * w }
                            destination[outPlane &+ y &* width &+ x] = UInt8(min(max(sum.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
    }
}
