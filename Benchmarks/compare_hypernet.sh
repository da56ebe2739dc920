#!/usr/bin/env bash
# The hypernet learner's training step in Swift and the same step in PyTorch, and the ratio
# (PyTorch ms / Swift ms: above 1 means cl-bench is faster).
# Usage: Benchmarks/compare_hypernet.sh [--steps N] [--repeats R]   (from the package root)
# Uses Benchmarks/.venv with torch (created as Benchmarks/compare_training.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=20; REPEATS=5
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
SWIFT_JSON="$(.build/release/cl-bench-benchmarks hypernet --json --steps "$STEPS" --repeats "$REPEATS")"
TORCH_JSON="$("$VENV/bin/python" Benchmarks/torch_hypernet.py --steps "$STEPS" --repeats "$REPEATS" --threads "$THREADS" 2>/dev/null)"
"$VENV/bin/python" - "$SWIFT_JSON" "$TORCH_JSON" <<'PY'
import json, sys
swift = {r["name"]: r for r in json.loads(sys.argv[1])}
torch = {r["name"]: r for r in json.loads(sys.argv[2])}
print(f"{'case':<22}{'swift ms':>10}{'torch ms':>10}{'ratio':>8}")
for name in swift:
    s, t = swift[name]["ms_per_step"], torch[name]["ms_per_step"]
    print(f"{name:<22}{s:>10.2f}{t:>10.2f}{t / s:>8.2f}")
PY
