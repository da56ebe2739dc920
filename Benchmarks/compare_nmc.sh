#!/usr/bin/env bash
# Times `cl-bench run --protocol Protocols/split-mnist.yaml --seed 0` (release build) and
# the same computation in numpy (Benchmarks/nmc_numpy.py), side by side, best of 5 each.
# Run from the repository root: `make bench` (or directly, after `swift build -c release`).
set -euo pipefail
data=${1:-../shared/datasets}
bin=.build/release/cl-bench
out=$(mktemp -d)
best() { sort -g | head -1; }
echo "machine: $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, numpy $(python3 -c 'import numpy; print(numpy.__version__)')"
swift_times=$(for i in 1 2 3 4 5; do
  s=$(date +%s.%N); "$bin" run --protocol Protocols/split-mnist.yaml --seed 0 --data-dir "$data" --out "$out" >/dev/null; e=$(date +%s.%N)
  echo "$e - $s" | bc; done)
numpy_times=$(for i in 1 2 3 4 5; do
  s=$(date +%s.%N); python3 Benchmarks/nmc_numpy.py "$data/mnist" >/dev/null; e=$(date +%s.%N)
  echo "$e - $s" | bc; done)
python3 Benchmarks/nmc_numpy.py "$data/mnist"
"$bin" run --protocol Protocols/split-mnist.yaml --seed 0 --data-dir "$data" --out "$out" | grep -E "loaded|done"
s=$(echo "$swift_times" | best); n=$(echo "$numpy_times" | best)
printf 'split-mnist seed 0, end to end (best of 5): cl-bench %.3f s, numpy %.3f s, ratio %.2fx\n' "$s" "$n" "$(echo "$n / $s" | bc -l)"
rm -rf "$out"
