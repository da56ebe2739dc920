import CLLearners
import CLTensor
import Foundation

/// `cl-bench-benchmarks hypernet [--json] [--steps N] [--repeats R]`
///
/// Milliseconds per training step of the `hypernet` learner (its own model and objective,
/// `HypernetStepBenchmark`): chunked hypernetwork forward, target MLP, cross-entropy, the
/// output regulariser over 4 earlier tasks, backward, Adam. Two cases with the reference
/// runs' settings: Split-MNIST (target (100, 100), chunks of 8000, hypernetwork
/// (10, 10, 10, 10), batch 32) and Permuted-MNIST (chunks of 750, hypernetwork (100, 100),
/// per-task chunk embeddings, batch 128). `Benchmarks/torch_hypernet.py` is the same step in
/// PyTorch; `Benchmarks/compare_hypernet.sh` prints both and the ratio. Best of R runs of
/// S steps after three warm-up steps (the machine is shared).
enum HypernetBenchmark {
    static let cases: [(name: String, given: [String: HyperparameterValue], batch: Int, permuted: Bool, tasks: Int)] = [
        (
            "split-mnist-mlp",
            [
                "generator": .text("mlp"), "beta": .number(10), "hnet_hidden": .numbers([10, 10, 10, 10]),
                "hnet_activation": .text("sigmoid"), "embedding_size": .integer(32), "chunk_size": .integer(8000),
                "chunk_embedding_size": .integer(32),
            ], 32, false, 5
        ),
        (
            "permuted-mnist-mlp",
            [
                "generator": .text("mlp"), "beta": .number(250), "hnet_hidden": .numbers([100, 100]),
                "hnet_activation": .text("sigmoid"), "embedding_size": .integer(32), "chunk_size": .integer(750),
                "chunk_embedding_size": .integer(16), "conditional_chunk_embeddings": .flag(true),
            ], 128, true, 10
        ),
    ]

    static func main(_ arguments: [String]) {
        var json = false, steps = 20, repeats = 5
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--json": json = true
            case "--steps": index += 1; steps = Int(arguments[index]) ?? steps
            case "--repeats": index += 1; repeats = Int(arguments[index]) ?? repeats
            default:
                FileHandle.standardError.write(
                    "usage: cl-bench-benchmarks hypernet [--json] [--steps N] [--repeats R]\n".data(using: .utf8)!)
                exit(2)
            }
            index += 1
        }
        var results: [[String: Any]] = []
        for c in cases {
            let benchmark = try! HypernetStepBenchmark(
                given: c.given, widths: [100, 100], batchSize: c.batch, oldTasks: 4,
                permuted: c.permuted, taskCount: c.tasks)
            for _ in 0..<3 { benchmark.run() }
            var best = Double.infinity
            for _ in 0..<repeats {
                let start = Benchmark.now()
                for _ in 0..<steps { benchmark.run() }
                best = min(best, (Benchmark.now() - start) / Double(steps))
            }
            results.append(["name": c.name, "ms_per_step": (best * 1e5).rounded() / 100])
            if !json { print(String(format: "%-20@ %8.2f ms/step", c.name as NSString, best * 1000)) }
        }
        if json {
            print(
                String(
                    decoding: try! JSONSerialization.data(withJSONObject: results, options: [.sortedKeys]),
                    as: UTF8.self))
        }
    }
}
