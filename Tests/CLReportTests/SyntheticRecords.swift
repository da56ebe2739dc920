import CLResults
import Foundation

/// Synthetic results that look like real runs: a class-incremental protocol with three
/// learners of different quality, a crashed and a still-running seed, a few-shot protocol
/// and a single-task protocol (where forgetting is undefined).
enum SyntheticRecords {
    /// A small deterministic generator so every test sees the same "noise".
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    /// One run of `tasks` tasks. `retention` is how much of a task's accuracy survives each
    /// later task; `plasticity` the accuracy right after learning a task.
    static func run(
        protocolName: String = "split-mnist", learner: String, seed: Int, tasks: Int,
        plasticity: Double, retention: Double, status: String = "complete",
        completedTasks: Int? = nil, error: String? = nil
    ) -> RunRecord {
        var noise = Noise(state: UInt64(seed * 7919 + learner.utf8.reduce(0) { $0 * 31 + Int($1) }))
        let done = completedTasks ?? tasks
        var matrix = Array(repeating: Array(repeating: Double.nan, count: tasks), count: tasks + 1)
        for column in 0..<tasks { matrix[0][column] = 0 }
        for row in 0..<done {
            for column in 0..<tasks {
                if column > row {
                    matrix[row + 1][column] = 0
                } else {
                    let decay: Double = pow(retention, Double(row - column))
                    let jitter: Double = 0.02 * noise.next()
                    let value: Double = plasticity * decay + jitter
                    matrix[row + 1][column] = Swift.min(1.0, Swift.max(0.0, value))
                }
            }
        }
        var pooled: [Double] = []
        for row in 0..<done {
            let seen: [Double] = (0...row).map { matrix[row + 1][$0] }
            pooled.append(seen.reduce(0, +) / Double(row + 1))
        }
        var metrics: [String: Double] = [:]
        if done == tasks {
            metrics["final_accuracy"] = pooled.last ?? .nan
            metrics["average_incremental_accuracy"] = pooled.reduce(0, +) / Double(tasks)
            metrics["final_task_mean_accuracy"] = (0..<tasks).map { matrix[tasks][$0] }.reduce(0, +) / Double(tasks)
            metrics["plasticity"] = (0..<tasks).map { matrix[$0 + 1][$0] }.reduce(0, +) / Double(tasks)
            if tasks > 1 {
                let forgetting = (0..<(tasks - 1)).map { column in
                    (column...(tasks - 2)).map { matrix[$0 + 1][column] }.max()! - matrix[tasks][column]
                }
                metrics["forgetting"] = forgetting.reduce(0, +) / Double(tasks - 1)
                metrics["forgetting_pycil"] = metrics["forgetting"]
                let bwt =
                    (0..<(tasks - 1)).map { matrix[tasks][$0] - matrix[$0 + 1][$0] }.reduce(0, +) / Double(tasks - 1)
                metrics["bwt"] = bwt
                metrics["forgetting_avalanche"] = -bwt
                metrics["bwt_all_pairs"] = bwt * 0.8
                metrics["fwt"] = 0
            } else {
                for key in ["forgetting", "forgetting_pycil", "forgetting_avalanche", "bwt", "bwt_all_pairs", "fwt"] {
                    metrics[key] = .nan
                }
            }
        }
        return RunRecord(
            path: "results/\(protocolName)/\(learner)-seed\(seed).h5", status: status, error: error,
            protocolName: protocolName,
            protocolYAML:
                "name: \(protocolName)\ndataset: { name: mnist }\n"
                + "stream: { kind: class-incremental, classes_per_task: 2 }\nseeds: [0, 1, 2]\n",
            learner: learner, learnerConfig: "{ name: \(learner) }", seed: seed,
            startedAt: "2026-11-25T10:0\(seed):00Z",
            finishedAt: status == "complete" ? "2026-11-25T10:1\(seed):00Z" : nil,
            harnessVersion: "0.1.0", gitCommit: "0123456789abcdef0123", host: "ci-runner", blasCore: "Haswell",
            blasThreads: 2, peakRSSBytes: 512 * 1_048_576,
            classOrder: Array(0..<(2 * tasks)), taskClasses: (0..<tasks).map { [2 * $0, 2 * $0 + 1] },
            trainCounts: Array(repeating: 12000, count: tasks), testCounts: Array(repeating: 2000, count: tasks),
            accuracyMatrix: matrix, pooledAccuracy: pooled, metrics: metrics,
            trainSeconds: Array(repeating: 3.5, count: done), evalSeconds: Array(repeating: 0.4, count: done))
    }

    /// A few-shot run: `sessions` sessions of [all, base, novel, harmonic mean].
    static func fewShotRun(learner: String, seed: Int, sessions: Int = 6) -> RunRecord {
        var noise = Noise(state: UInt64(seed + 17))
        var table: [[Double]] = []
        for session in 0..<sessions {
            let base = 0.78 - 0.02 * Double(session) + 0.01 * noise.next()
            let novel = session == 0 ? Double.nan : 0.45 - 0.01 * Double(session) + 0.02 * noise.next()
            let all = session == 0 ? base : (base * 60 + novel * 5 * Double(session)) / (60 + 5 * Double(session))
            let harmonic = session == 0 ? Double.nan : 2 * base * novel / (base + novel)
            table.append([all, base, novel, harmonic])
        }
        var record = run(
            protocolName: "cub200-fscil", learner: learner, seed: seed, tasks: sessions,
            plasticity: 0.7, retention: 0.95)
        record.streamKind = "few-shot-incremental"
        record.fscilAccuracy = table
        record.metrics["performance_drop"] = table[0][0] - table[sessions - 1][0]
        return record
    }

    /// The full sample: 3 learners x 3 seeds on split-mnist (plus a failed and a running run),
    /// 2 learners x 3 seeds on a 10-task protocol, 2 seeds of a few-shot protocol, and a one-task protocol.
    static func sample() -> [RunRecord] {
        var records: [RunRecord] = []
        for seed in 0..<3 {
            records.append(run(learner: "nmc", seed: seed, tasks: 5, plasticity: 0.97, retention: 0.96))
            records.append(run(learner: "finetune", seed: seed, tasks: 5, plasticity: 0.99, retention: 0.35))
            records.append(run(learner: "icarl", seed: seed, tasks: 5, plasticity: 0.95, retention: 0.9))
        }
        records.append(
            run(
                learner: "icarl", seed: 3, tasks: 5, plasticity: 0.95, retention: 0.9, status: "failed",
                completedTasks: 2, error: "training loss became NaN at task 2, epoch 3"))
        records.append(
            run(
                learner: "nmc", seed: 3, tasks: 5, plasticity: 0.97, retention: 0.96, status: "running",
                completedTasks: 3))
        records.append(fewShotRun(learner: "teen", seed: 0))
        records.append(fewShotRun(learner: "teen", seed: 1))
        for seed in 0..<3 {
            records.append(
                run(
                    protocolName: "split-cifar100", learner: "icarl", seed: seed, tasks: 10, plasticity: 0.8,
                    retention: 0.93))
            records.append(
                run(
                    protocolName: "split-cifar100", learner: "der", seed: seed, tasks: 10, plasticity: 0.85,
                    retention: 0.95))
        }
        records.append(
            run(protocolName: "joint-mnist", learner: "nmc", seed: 0, tasks: 1, plasticity: 0.98, retention: 1))
        records.append(
            run(protocolName: "joint-mnist", learner: "nmc", seed: 1, tasks: 1, plasticity: 0.97, retention: 1))
        return records
    }
}
