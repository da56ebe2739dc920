import CLData
import CLLearners
import CLTensor
import Foundation

/// `cl-bench-benchmarks extraction WEIGHTS [--images N] [--repeats R] [--json]`
///
/// Feature extraction with the pretrained EfficientNet-Lite0 at 224 px from 32×32 RGB
/// inputs (CIFAR-sized, random pixels), the work `cl-bench run` does once per dataset
/// before the feature cache holds it: images/s, best of R runs over N images after one
/// warm-up batch, with `OPENBLAS_NUM_THREADS` workers. `compare_efficientnet.sh` runs it
/// next to the same network in PyTorch (`efficientnet_lite0_torch.py bench`).
enum FeatureExtractionBenchmark {
    static func main(_ arguments: [String]) {
        guard let weights = arguments.first else {
            FileHandle.standardError.write(
                "usage: cl-bench-benchmarks extraction WEIGHTS [--images N] [--repeats R] [--json]\n".data(
                    using: .utf8)!)
            exit(2)
        }
        var images = 256, repeats = 3, json = false
        var index = 1
        while index < arguments.count {
            switch arguments[index] {
            case "--images": index += 1; images = Int(arguments[index]) ?? images
            case "--repeats": index += 1; repeats = Int(arguments[index]) ?? repeats
            case "--json": json = true
            default:
                FileHandle.standardError.write("unknown option \(arguments[index])\n".data(using: .utf8)!)
                exit(2)
            }
            index += 1
        }
        let network: EfficientNetLite
        do {
            network = try EfficientNetLite(
                stateDictionary: try TorchStateDictionary.read(path: weights), resolution: 224, source: weights)
        } catch {
            FileHandle.standardError.write("cl-bench-benchmarks: error: \(error)\n".data(using: .utf8)!)
            exit(2)
        }
        var generator = SeededGenerator(seed: 0)
        let input = Tensor(
            shape: [images, 3, 32, 32],
            scalars: (0..<(images * 3 * 32 * 32)).map { _ in Float(generator.next() % 256) / 255 })
        _ = network.features(of: input.rows(0..<min(8, images)))  // warm-up
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = Date()
            let features = network.features(of: input)
            best = min(best, Date().timeIntervalSince(start))
            precondition(features.scalars.allSatisfy { $0.isFinite }, "non-finite features")
        }
        let rate = Double(images) / best
        if json {
            print(
                "{\"name\": \"efficientnet-lite0-224\", \"images\": \(images), \"seconds\": \(best), "
                    + "\"images_per_second\": \(rate), \"threads\": \(Parallel.workerCount)}"
            )
        } else {
            print(
                String(
                    format:
                        "efficientnet-lite0 224 px: %.1f images/s (best of %d x %d images, %d workers, OpenBLAS %@, "
                        + "depthwise %@)",
                    rate, repeats, images, Parallel.workerCount, BLASKernel.current, DepthwiseConvolution.instructionSet
                ))
        }
    }
}
