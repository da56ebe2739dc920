#!/usr/bin/env python3
"""The computation of `cl-bench run --protocol Protocols/split-mnist.yaml --seed 0`,
written with numpy, for a side-by-side timing (Benchmarks/compare_nmc.sh).

Same work as cl-bench: read the gzip IDX files, cut 5 tasks of 2 classes, learn
cosine-NMC class means task by task, and after every task (and before the first)
evaluate every task's test set (the full (T+1) x T accuracy matrix), then compute the
pooled accuracies and forgetting. It writes no results file (cl-bench writes HDF5), so
the comparison favours numpy slightly.
"""
import gzip
import sys
import time

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main(folder):
    start = time.perf_counter()
    x_train = read_idx(f"{folder}/train-images.idx3-ubyte.gz").reshape(60000, -1)
    y_train = read_idx(f"{folder}/train-labels.idx1-ubyte.gz")
    x_test = read_idx(f"{folder}/t10k-images.idx3-ubyte.gz").reshape(10000, -1)
    y_test = read_idx(f"{folder}/t10k-labels.idx1-ubyte.gz")
    loaded = time.perf_counter()

    tasks = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    dim = x_train.shape[1]
    sums = np.zeros((10, dim), dtype=np.float64)
    counts = np.zeros(10, dtype=np.int64)
    seen = []
    test_sets = [np.isin(y_test, classes) for classes in tasks]
    test_x = [(x_test[mask].astype(np.float32) / 255.0) for mask in test_sets]
    test_y = [y_test[mask] for mask in test_sets]
    matrix = []
    pooled = []

    def evaluate():
        row = []
        if not seen:
            return [0.0] * len(tasks), 0
        means = (sums[seen] / counts[seen, None]).astype(np.float32)
        means /= np.linalg.norm(means, axis=1, keepdims=True)
        correct_seen = total_seen = 0
        for j, (x, y) in enumerate(zip(test_x, test_y)):
            q = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
            predicted = np.asarray(seen)[np.argmax(q @ means.T, axis=1)]
            correct = int((predicted == y).sum())
            row.append(correct / len(y))
            if all(c in seen for c in tasks[j]):
                correct_seen += correct
                total_seen += len(y)
        return row, correct_seen / max(total_seen, 1)

    matrix.append(evaluate()[0])
    for classes in tasks:
        mask = np.isin(y_train, classes)
        x = x_train[mask].astype(np.float32) / 255.0
        y = y_train[mask]
        for c in classes:
            sums[c] += x[y == c].astype(np.float64).sum(axis=0)
            counts[c] += int((y == c).sum())
        seen.extend(classes)
        row, pooled_accuracy = evaluate()
        matrix.append(row)
        pooled.append(pooled_accuracy)
    r = np.array(matrix[1:])
    t = len(tasks)
    forgetting = np.mean([r[j:t - 1, j].max() - r[t - 1, j] for j in range(t - 1)])
    end = time.perf_counter()
    print(f"numpy: load {loaded - start:.3f} s, total {end - start:.3f} s, "
          f"final_accuracy {pooled[-1]:.4f}, forgetting {forgetting:.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/mnist")
