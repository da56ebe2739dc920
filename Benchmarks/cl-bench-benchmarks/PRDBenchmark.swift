import CLData
import CLLearners
import CLTensor
import Foundation

/// `cl-bench-benchmarks prd [--steps N] [--repeats R]`: the training step of the `prd` learner
/// on ResNet-20, as a user runs it (the public `Learner` API on the shared training loop),
/// beside `Benchmarks/torch_prd.py`, the same step in PyTorch. One step: batch 128 of
/// 32×32×3 shown as two views (no augmentation, so both sides do the same arithmetic),
/// the backbone on the 256 rows, projection 64 → 64 → 128 and SupCon, the prototype loss,
/// and from the second task on the teacher's forward pass of both views and relation
/// distillation over each earlier task's prototypes; SGD (momentum 0.9, weight decay 5e-4)
/// on backbone and projection, prototypes at lr 0.01 without momentum.
///
/// Task 0 (two steps) is the warm-up and makes the first teacher. Repeat r then learns task
/// r (2 new classes) for `steps` steps and is timed whole: steps, plus the end-of-task
/// teacher copy, as PyTorch's side does. Prints "images_per_second peak_rss_bytes
/// cpu_ms_per_step" of the best repeat (the machine is shared: the best run is the least
/// disturbed one; CPU time over all threads is far less sensitive to other processes).
enum PRDBenchmark {
    static let batchSize = 128

    static func task(_ index: Int, samples: Int, generator: inout SeededGenerator) -> TaskData {
        let classes = [2 * index, 2 * index + 1]
        var pixels = [Float](repeating: 0, count: samples * 3 * 32 * 32)
        for i in pixels.indices { pixels[i] = generator.nextUniform() }
        let labels = (0..<samples).map { Int32(classes[$0 % 2]) }
        let split = DataSplit(sampleShape: [3, 32, 32], storage: .floats(pixels), labels: labels)
        return TaskData(
            index: index, classes: classes, seenClassCount: classes[1] + 1, split: split,
            sampleIndices: Array(0..<samples), labels: labels)
    }

    static func run(steps: Int, repeats: Int) throws -> (rate: Double, peak: Int, processorMilliseconds: Double) {
        var training = TrainingConfig()
        training.epochs = 1
        training.batchSize = batchSize
        training.learningRate = 0.1
        training.momentum = 0.9
        training.weightDecay = 5e-4
        training.schedule = "constant"
        let config = try LearnerConfig(
            specs: PRD.hyperparameters, given: [:], training: training,
            backbone: BackboneConfig(kind: "resnet20"))
        let context = LearnerContext(
            seed: 0, sampleShape: [3, 32, 32], totalClassCount: 2 * (repeats + 1),
            taskCount: repeats + 1, streamKind: "class-incremental")
        var learner = try PRD(config: config, context: context)
        var generator = SeededGenerator(seed: 1)
        try learner.learn(task(0, samples: 2 * batchSize, generator: &generator))
        var best = Double.infinity, bestProcessor = Double.infinity
        for r in 1...repeats {
            let data = task(r, samples: steps * batchSize, generator: &generator)
            let (start, startProcessor) = (Benchmark.now(), Benchmark.processorSeconds())
            try learner.learn(data)
            best = min(best, (Benchmark.now() - start) / Double(steps))
            bestProcessor = min(bestProcessor, (Benchmark.processorSeconds() - startProcessor) / Double(steps))
        }
        return (Double(batchSize) / best, Benchmark.peakResidentBytes(), 1000 * bestProcessor)
    }

    static func main(_ arguments: [String]) {
        var steps = 5, repeats = 3
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--steps" where index + 1 < arguments.count: index += 1; steps = Int(arguments[index]) ?? steps
            case "--repeats" where index + 1 < arguments.count: index += 1; repeats = Int(arguments[index]) ?? repeats
            default:
                FileHandle.standardError.write(
                    "usage: cl-bench-benchmarks prd [--steps N] [--repeats R]\n".data(using: .utf8)!)
                exit(2)
            }
            index += 1
        }
        do {
            let (rate, peak, processor) = try run(steps: max(1, steps), repeats: max(1, repeats))
            print(rate, peak, processor)
        } catch {
            FileHandle.standardError.write("prd benchmark: \(error)\n".data(using: .utf8)!)
            exit(1)
        }
    }
}
