import CLLearners
import CLTensor
import Foundation

/// `cl-bench-benchmarks training [--json] [--steps N] [--repeats R] [--kernels avx512|avx2|im2col]`
///
/// Measures the CIFAR ResNets at batch 128 on 32×32×3 inputs with a 100-class linear head
/// and SGD (momentum 0.9, weight decay 5e-4): training images/s (forward, backward and
/// update), evaluation images/s (no gradient recording, running batch-norm statistics)
/// and peak resident memory. Each case runs in its own child process so that its peak RSS
/// is its own. Timings are the best of `repeats` runs of `steps` steps after two warm-up
/// steps: the machine is shared, and the best run is the least disturbed one.
enum Benchmark {
    static let batchSize = 128
    static let classes = 100
    static let cases = ["resnet20-train", "resnet20-eval", "resnet32-train", "resnet32-eval"]

    struct Options {
        var json = false
        var steps = 5
        var repeats = 3
        var only: String?
        /// "avx512", "avx2" or "im2col"; nil: the best this CPU runs.
        var kernels: String?
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var index = 0
        guard arguments.first == "training" else { return nil }
        index = 1
        while index < arguments.count {
            switch arguments[index] {
            case "--json": options.json = true
            case "--steps": index += 1; options.steps = Int(arguments[index]) ?? options.steps
            case "--repeats": index += 1; options.repeats = Int(arguments[index]) ?? options.repeats
            case "--only": index += 1; options.only = arguments[index]
            case "--kernels":
                index += 1
                guard index < arguments.count, ["avx512", "avx2", "im2col"].contains(arguments[index]) else {
                    return nil
                }
                options.kernels = arguments[index]
            default: return nil
            }
            index += 1
        }
        return options
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024  // kilobytes on Linux
    }

    /// User plus system CPU seconds of the whole process (all threads): less sensitive to
    /// other processes on a shared machine than wall time.
    static func processorSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Runs one case in this process and returns images per second.
    static func run(_ name: String, options: Options) -> (rate: Double, processorMilliseconds: Double) {
        let depth = name.hasPrefix("resnet20") ? 20 : 32
        let training = name.hasSuffix("train")
        var generator = SeededGenerator(seed: 0)
        let backbone = CIFARResNet(depth: depth, generator: &generator)
        let head = Linear(inputs: backbone.featureDimension, outputs: classes, generator: &generator)
        let optimizer = SGD(
            parameters: backbone.parameters + head.parameters, learningRate: 0.1,
            momentum: 0.9, weightDecay: 5e-4)
        let input = Initializer.normal([batchSize, 3, 32, 32], deviation: 1, generator: &generator)
        let labels = (0..<batchSize).map { _ in generator.nextInt(below: classes) }
        backbone.isTraining = training

        func step() {
            if training {
                let logits = head(backbone.features(of: Variable(input)))
                optimizer.zeroGradients()
                Loss.crossEntropy(logits: logits, labels: labels).backward()
                optimizer.step()
            } else {
                let logits = withoutGradient { head(backbone.features(of: Variable(input))) }
                precondition(logits.value.count == batchSize * classes)
            }
        }
        for _ in 0..<2 { step() }
        var best = Double.infinity, bestProcessor = Double.infinity
        for _ in 0..<options.repeats {
            let (start, startProcessor) = (now(), processorSeconds())
            for _ in 0..<options.steps { step() }
            best = min(best, (now() - start) / Double(options.steps))
            bestProcessor = min(bestProcessor, (processorSeconds() - startProcessor) / Double(options.steps))
        }
        return (Double(batchSize) / best, bestProcessor * 1000)
    }

    /// `reference-dump <directory>`: writes a seeded ResNet-20's weights, an input batch, its
    /// features in training and evaluation mode, and the gradient of Σ features² with respect
    /// to every parameter, as raw little-endian float32 files plus `index.json`, for
    /// `Benchmarks/check_resnet_against_torch.py` to compare with PyTorch.
    static func referenceDump(to directory: String) {
        var generator = SeededGenerator(seed: 11)
        let backbone = CIFARResNet(depth: 20, generator: &generator)
        // Non-trivial batch-norm parameters and running statistics.
        for (name, variable) in backbone.namedVariables
        where !name.hasSuffix("conv_a.weight") && !name.hasSuffix("conv_b.weight") && !name.hasSuffix("3x3.weight") {
            for i in 0..<variable.value.count {
                let u = generator.nextUniform()
                variable.value.scalars[i] =
                    name.hasSuffix("running_var") || name.hasSuffix(".weight") ? 0.5 + u : u - 0.5
            }
        }
        let input = Initializer.normal([8, 3, 32, 32], deviation: 1, generator: &generator)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var index: [String: [Int]] = [:]
        func write(_ name: String, _ tensor: Tensor) {
            let data = tensor.scalars.withUnsafeBufferPointer { Data(buffer: $0) }
            _ = FileManager.default.createFile(atPath: "\(directory)/\(name).f32", contents: data)
            index[name] = tensor.shape
        }
        for (name, tensor) in backbone.stateDictionary() { write("weight." + name, tensor) }
        write("input", input)
        backbone.isTraining = false
        write("features.eval", withoutGradient { backbone.features(of: Variable(input)).value })
        backbone.isTraining = true
        let features = backbone.features(of: Variable(input))
        write("features.train", features.value)
        features.squared().sum().backward()
        for (name, variable) in backbone.namedVariables where variable.requiresGrad {
            write("grad." + name, variable.grad!)
        }
        for (name, tensor) in backbone.stateDictionary() where name.contains("running") {
            write("after." + name, tensor)
        }
        let json = try! JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])
        _ = FileManager.default.createFile(atPath: "\(directory)/index.json", contents: json)
    }

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "hypernet" {
            HypernetBenchmark.main(Array(arguments.dropFirst()))
            return
        }
        if arguments.count == 2 && arguments[0] == "reference-dump" {
            referenceDump(to: arguments[1])
            return
        }
        if arguments.first == "prd" {
            PRDBenchmark.main(Array(arguments.dropFirst()))
            return
        }
        if arguments.first == "extraction" {
            FeatureExtractionBenchmark.main(Array(arguments.dropFirst()))
            return
        }
        guard let options = parse(arguments) else {
            FileHandle.standardError.write(
                ("usage: cl-bench-benchmarks training [--json] [--steps N] [--repeats R] "
                    + "[--kernels avx512|avx2|im2col]\n"
                    + "       cl-bench-benchmarks extraction WEIGHTS [--images N] [--repeats R] [--json]\n")
                    .data(using: .utf8)!)
            exit(2)
        }
        let kernels =
            options.kernels.map { DirectConvolution.InstructionSet(rawValue: $0) } ?? DirectConvolution.bestAvailable
        if let kernels, !kernels.isAvailable {
            FileHandle.standardError.write("this CPU cannot run the \(kernels.rawValue) kernels\n".data(using: .utf8)!)
            exit(2)
        }
        if let only = options.only {
            // Child process: one case, one line "images_per_second peak_rss_bytes".
            let (rate, processor) = DirectConvolution.$instructionSet.withValue(kernels) { run(only, options: options) }
            print(rate, peakResidentBytes(), processor)
            return
        }
        var results: [[String: Any]] = []
        if !options.json {
            print(
                "OpenBLAS kernel \(BLASKernel.current), \(BLASKernel.threads) threads; "
                    + "convolution kernels \(kernels?.rawValue ?? "im2col"); batch \(batchSize), "
                    + "best of \(options.repeats)×\(options.steps) steps"
            )
        }
        for name in cases {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            if !FileManager.default.isExecutableFile(atPath: child.executableURL!.path) {
                child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            }
            child.arguments =
                ["training", "--only", name, "--steps", String(options.steps), "--repeats", String(options.repeats)]
                + (options.kernels.map { ["--kernels", $0] } ?? [])
            let pipe = Pipe()
            child.standardOutput = pipe
            try! child.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            let fields = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard child.terminationStatus == 0, fields.count == 3, let processor = Double(fields[2]),
                let rate = Double(fields[0]), let rss = Int(fields[1])
            else {
                FileHandle.standardError.write("benchmark \(name) failed\n".data(using: .utf8)!)
                exit(1)
            }
            results.append(["name": name, "images_per_second": (rate * 10).rounded() / 10, "peak_rss_bytes": rss])
            if !options.json {
                print(
                    String(
                        format: "%-16@ %8.1f images/s  %7.1f ms/batch  %7.1f CPU ms/batch  peak RSS %5.0f MiB",
                        name as NSString, rate, 1000 * Double(batchSize) / rate, processor, Double(rss) / 1_048_576))
            }
        }
        if options.json {
            let data = try! JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

Benchmark.main()
