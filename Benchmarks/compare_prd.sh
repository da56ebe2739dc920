#!/usr/bin/env bash
# The PRD training step (ResNet-20, batch 128 as two views, projection, SupCon, prototypes,
# teacher forward and relation distillation) in Swift and in PyTorch on this machine, and
# the ratio. Usage: Benchmarks/compare_prd.sh [--steps N] [--repeats R] (from the package root).
# Creates Benchmarks/.venv with the CPU build of torch on first use (benchmarks only).
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
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $THREADS threads, best of $REPEATS tasks x $STEPS steps, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
read -r SWIFT_RATE SWIFT_RSS SWIFT_CPU < <(.build/release/cl-bench-benchmarks prd --steps "$STEPS" --repeats "$REPEATS")
read -r TORCH_RATE TORCH_RSS TORCH_CPU < <(cd Benchmarks && "../$VENV/bin/python" torch_prd.py --steps "$STEPS" --repeats "$REPEATS" --threads "$THREADS")
python3 - "$SWIFT_RATE" "$SWIFT_RSS" "$SWIFT_CPU" "$TORCH_RATE" "$TORCH_RSS" "$TORCH_CPU" <<'PY'
import sys
s, sr, sc, t, tr, tc = (float(v) for v in sys.argv[1:])
print(f"{'case':<20}{'swift img/s':>12}{'torch img/s':>12}{'ratio':>7}{'swift CPU ms':>14}{'torch CPU ms':>14}{'ratio':>7}{'swift MiB':>11}{'torch MiB':>11}")
print(f"{'prd-resnet20-train':<20}{s:>12.1f}{t:>12.1f}{s / t:>7.2f}{sc:>14.0f}{tc:>14.0f}{tc / sc:>7.2f}{sr / 2**20:>11.0f}{tr / 2**20:>11.0f}")
print("ratio = PyTorch time / Swift time (wall: images/s; CPU: milliseconds per step over all threads)")
PY
