#!/usr/bin/env bash
# Runs the Swift training benchmark and the identical PyTorch step, and prints the ratios.
# Usage: Benchmarks/compare_training.sh [--steps N] [--repeats R]   (from the package root)
# Creates Benchmarks/.venv with the CPU build of torch on first use (~5 GB, benchmarks only).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=5; REPEATS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--repeats R]" >&2; exit 2 ;;
  esac
done
source Benchmarks/benchmark_environment.sh   # THREADS, OPENBLAS_CORETYPE, VENV with torch
swift build -c release --product cl-bench-benchmarks >/dev/null
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $THREADS threads, best of $REPEATS x $STEPS steps" >&2
SWIFT_JSON="$(.build/release/cl-bench-benchmarks training --json --steps "$STEPS" --repeats "$REPEATS")"
TORCH_JSON="$("$VENV/bin/python" Benchmarks/torch_training.py --steps "$STEPS" --repeats "$REPEATS" --threads "$THREADS" 2>/dev/null)"
"$VENV/bin/python" - "$SWIFT_JSON" "$TORCH_JSON" <<'PY'
import json, sys
swift = {r["name"]: r for r in json.loads(sys.argv[1])}
torch = {r["name"]: r for r in json.loads(sys.argv[2])}
print(f"{'case':<16}{'swift img/s':>12}{'torch img/s':>12}{'ratio':>8}{'swift MiB':>11}{'torch MiB':>11}")
for name in swift:
    s, t = swift[name], torch[name]
    print(f"{name:<16}{s['images_per_second']:>12.1f}{t['images_per_second']:>12.1f}"
          f"{s['images_per_second'] / t['images_per_second']:>8.2f}"
          f"{s['peak_rss_bytes'] / 2**20:>11.0f}{t['peak_rss_bytes'] / 2**20:>11.0f}")
PY
