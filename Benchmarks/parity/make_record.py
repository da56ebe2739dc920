#!/usr/bin/env python3
"""Writes a parity record (results/parity/<name>.yaml) from the two sides' runs.

The authors' side: one JSON file per seed written by the run of the authors' code outside
this repository ({"seed", "seconds", "accuracy_matrix" (T x T, row i after task i, null
where not evaluated), "pooled_accuracy" (T), optional "task_aware_matrix"}). The cl-bench
side: results files (.h5) of the protocol, read with h5py. Metrics and verdicts are not
written: `cl-bench check --parity` computes them from the matrices, so both sides are
measured by one definition.

    make_record.py --protocol Protocols/prd-split-mnist.yaml --label prd --preset ci-small \
        --metrics final_accuracy,average_incremental_accuracy,forgetting \
        --authors-json '/work/parity/prd-split-mnist/authors/prd-seed*.json' \
        --repository naderAsadi/Probing-Continual-Learning --commit 8b82d53 \
        --changes /work/parity/prd-split-mnist/changes.txt \
        --results '/work/runs/results/prd-split-mnist/prd-seed*.h5' \
        --comment comment.txt --out results/parity/prd-split-mnist-prd.yaml
"""
import argparse
import glob
import json
import math
import re

import h5py


def number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    return repr(round(float(value), 6))


def row(values):
    return "[" + ", ".join(number(v) for v in values) + "]"


def quoted(text):
    return json.dumps(text, ensure_ascii=False)


def run_lines(run):
    lines = [f"    - seed: {run['seed']}"]
    if run.get("seconds") is not None:
        lines.append(f"      seconds: {round(float(run['seconds']), 1)}")
    lines.append(f"      pooled_accuracy: {row(run['pooled_accuracy'])}")
    for key in ("accuracy_matrix", "task_aware_matrix"):
        if run.get(key) is not None:
            lines.append(f"      {key}:")
            lines += [f"        - {row(r)}" for r in run[key]]
    return lines


def results_run(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "complete", f"{path}: not complete"
        run = {
            "seed": int(f.attrs["seed"]),
            "seconds": float(f["timing/train_seconds"][()].sum() + f["timing/eval_seconds"][()].sum()),
            "accuracy_matrix": f["eval/accuracy_matrix"][()][1:].tolist(),
            "pooled_accuracy": f["eval/pooled_accuracy"][()].tolist(),
        }
        if "eval/task_aware_accuracy" in f:
            run["task_aware_matrix"] = f["eval/task_aware_accuracy"][()][1:].tolist()
        return run, str(f.attrs["git_commit"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("protocol", "protocol-name", "label", "preset", "metrics", "authors-json", "repository", "commit",
                 "authors-command", "changes", "results", "comment", "out"):
        parser.add_argument("--" + name, required=name not in ("protocol-name", "authors-command"))
    parser.add_argument("--task-aware-key", default="task_aware_matrix",
                        help="the authors' JSON key holding the task-aware matrix, if any")
    parser.add_argument("--accuracy-key", default="accuracy_matrix")
    parser.add_argument("--pooled-key", default="pooled_accuracy")
    args = parser.parse_args()

    authors = []
    for path in sorted(glob.glob(args.authors_json)):
        data = json.load(open(path))
        run = {"seed": data["seed"], "seconds": data.get("seconds"), "accuracy_matrix": data[args.accuracy_key],
               "pooled_accuracy": data[args.pooled_key]}
        if data.get(args.task_aware_key) is not None:
            run["task_aware_matrix"] = data[args.task_aware_key]
        authors.append(run)
        command = args.authors_command or data.get("command", "")
    ours, commits = [], set()
    for path in sorted(glob.glob(args.results)):
        run, commit = results_run(path)
        ours.append(run)
        commits.add(commit)
    assert authors and ours, "no runs found"
    protocol_name = args.protocol_name or re.search(r"^name:\s*(\S+)", open(args.protocol).read(), re.M).group(1)

    lines = ["# " + line if line else "#" for line in open(args.comment).read().rstrip("\n").split("\n")]
    lines += [
        "parity: 1",
        f"protocol: {args.protocol}",
        f"protocol_name: {protocol_name}",
        f"label: {args.label}",
        f"preset: {args.preset}",
        "rule: { metrics: [" + ", ".join(args.metrics.split(",")) + "], minimum_tolerance: 0.02, std_factor: 2 }",
        "authors:",
        f"  repository: {args.repository}",
        f"  commit: {quoted(args.commit)}",
        f"  command: {quoted(command)}",
        "  changes:",
    ]
    lines += [f"    - {quoted(c.strip())}" for c in open(args.changes) if c.strip()]
    lines.append("  runs:")
    for run in authors:
        lines += run_lines(run)
    lines += [
        "cl_bench:",
        "  repository: cl-bench",
        f"  commit: {quoted(', '.join(sorted(commits)))}",
        f"  command: {quoted(f'cl-bench run --protocol {args.protocol} --learner {args.label}')}",
        "  runs:",
    ]
    for run in ours:
        lines += run_lines(run)
    with open(args.out, "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
