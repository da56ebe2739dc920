# Sourced by the Benchmarks/compare_*.sh scripts (from the package root): the one place
# that sets the thread count, picks OpenBLAS's kernel and provides the torch venv.
#   THREADS  OPENBLAS_NUM_THREADS, default 2; OMP_NUM_THREADS follows it (PyTorch)
#   VENV     Benchmarks/.venv with torch (and numpy), created on first use (~5 GB; the
#            CPU-only index is not reachable here, so PyPI's default build comes)
THREADS="${OPENBLAS_NUM_THREADS:-2}"
export OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS"
# Debian's OpenBLAS falls back to its slowest kernel on unrecognised CPUs: choose one as the
# harness does (Haswell on AMD or CPUs without AVX-512, SkylakeX on Intel with AVX-512).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  flags="$(grep -m1 '^flags' /proc/cpuinfo || true)"
  if [[ "$flags" == *avx512f* && "$flags" != *sse4a* ]]; then export OPENBLAS_CORETYPE=SkylakeX
  elif [[ "$flags" == *avx2* ]]; then export OPENBLAS_CORETYPE=Haswell; fi
fi
VENV=Benchmarks/.venv
# A symlink to a venv that no longer exists would make `venv` fail: start afresh.
if [ -L "$VENV" ] && [ ! -e "$VENV" ]; then rm "$VENV"; fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch numpy
fi
