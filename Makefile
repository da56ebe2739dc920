# cl-bench — two commands on a fresh machine:
#   make run    install what is missing, build (release), run Protocols/quickstart.yaml, print the report
#   make test   install what is missing, run the whole test suite
SHELL := /bin/bash
SWIFT ?= swift
RELEASE_BIN := .build/release/cl-bench

# Debian packages the tool needs at build and run time; the quickstart's data set.
PACKAGES := pkg-config libopenblas-dev libhdf5-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev dataset-fashion-mnist
# Only for the test suite: h5py checks that users' scripts can read our results files.
TEST_PACKAGES := python3-h5py

# Debian's OpenBLAS 0.3.21 falls back to its slowest kernel on CPUs it does not know.
# The cl-bench binary fixes this itself; tests and benchmarks set it here.
# (Haswell on AMD even with AVX-512: measured faster there; see Sources/CLTensor/BLASKernel.swift.)
OPENBLAS_CORETYPE ?= $(shell if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo && ! grep -qw sse4a /proc/cpuinfo; then echo SkylakeX; \
                        elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then echo Haswell; fi)
export OPENBLAS_CORETYPE

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps test-deps slurm build report regression parity parity-ci results-table format lint check-imports check-line-length example bench bench-training report-screenshot clean

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

test-deps: deps
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c release --product cl-bench

run: build
	$(RELEASE_BIN) run --protocol Protocols/quickstart.yaml
	$(RELEASE_BIN) report results/quickstart

# The one-node Slurm of the sweep test (as root: installs slurm-wlm and munge, starts the daemons;
# otherwise, or if it cannot start, that test shows as skipped).
slurm:
	@.ci/start-slurm.sh || echo "make test: no Slurm here, the Slurm sweep test will show as skipped"

test: test-deps slurm lint
	set -o pipefail; $(SWIFT) build --build-tests 2>&1 | scripts/check-warnings
	$(SWIFT) test --skip-build --no-parallel
	$(MAKE) --no-print-directory regression
	$(MAKE) --no-print-directory parity-ci
	$(MAKE) --no-print-directory example

# Formatting (swift format ships with the toolchain; configuration in .swift-format: 120 columns,
# 4 spaces, existing line breaks kept; the rule-based checks are off for now): make format
# rewrites the files, make lint fails on any file that make format would change, on an
# import the module table of DESIGN.md does not allow (make check-imports), or on a line of a
# tracked Swift file over 120 characters, which swift format leaves when it cannot break it:
# long string literals, comments (make check-line-length).
FORMATTED := Sources Tests Examples/custom-learner/Sources Benchmarks/cl-bench-benchmarks
format:
	$(SWIFT) format -i -r -p $(FORMATTED)
lint: check-imports check-line-length
	$(SWIFT) format lint --strict -r -p $(FORMATTED)

# Each target under Sources/ imports only what its row of DESIGN.md's module table allows.
check-imports:
	@scripts/check-imports

# No line of a tracked Swift file (Package.swift and Examples/ too) over 120 characters.
check-line-length:
	@scripts/check-line-length

# The CI regression job: small fixed protocols on real data, checked against the
# committed baselines in results/baselines/ (forgetting may not rise, accuracy may not fall).
SHARED_DATA ?= ../shared/datasets
DEBUG_BIN := .build/debug/cl-bench
REGRESSION_OUT := .build/regression
regression:
	@rm -rf $(REGRESSION_OUT); start=$$(date +%s); \
	$(DEBUG_BIN) run --protocol Protocols/quickstart.yaml --out $(REGRESSION_OUT) >/dev/null && \
	$(DEBUG_BIN) check --baseline results/baselines/quickstart.yaml $(REGRESSION_OUT)/quickstart && \
	if [ -d $(SHARED_DATA)/mnist ]; then \
	  $(DEBUG_BIN) run --protocol Protocols/split-mnist.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/split-mnist.yaml $(REGRESSION_OUT)/split-mnist && \
	  $(DEBUG_BIN) run --protocol Protocols/split-mnist-finetune.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/split-mnist-finetune.yaml $(REGRESSION_OUT)/split-mnist-finetune && \
	  $(DEBUG_BIN) run --protocol Protocols/split-mnist-conv4.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/split-mnist-conv4.yaml $(REGRESSION_OUT)/split-mnist-conv4 && \
	  $(DEBUG_BIN) run --protocol Protocols/prob-psenn-quick.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/prob-psenn-quick.yaml $(REGRESSION_OUT)/prob-psenn-quick && \
	  $(DEBUG_BIN) run --protocol Protocols/prd-split-mnist.yaml --seed 0 --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/prd-split-mnist.yaml $(REGRESSION_OUT)/prd-split-mnist && \
	  $(DEBUG_BIN) run --protocol Protocols/hypernet-ci.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/hypernet-ci.yaml $(REGRESSION_OUT)/hypernet-ci && \
	  $(DEBUG_BIN) run --protocol Protocols/online-split-mnist.yaml --data-dir $(SHARED_DATA) --out $(REGRESSION_OUT) >/dev/null && \
	  $(DEBUG_BIN) check --baseline results/baselines/online-split-mnist.yaml $(REGRESSION_OUT)/online-split-mnist; \
	else echo "regression: $(SHARED_DATA)/mnist not found, split-mnist skipped"; fi && \
	echo "regression job: $$(( $$(date +%s) - start )) s"

# Parity with the authors' code: reruns the cl-bench side of every record in results/parity/
# (the protocol's learner entry, every seed of the record; release build) and checks that the
# record's agreement rule gives the record's verdicts on the fresh runs. The authors' side is
# not rerun here: each record says how it was made. All records take about 2 h on 2 cores
# (napa-vq-cifar10 ~70 min, fscil-cifar10 ~25 min, the MNIST ones a few minutes).
PARITY_OUT := .build/parity
PARITY_RECORDS ?= $(wildcard results/parity/*.yaml)   # e.g. make parity PARITY_RECORDS=results/parity/prd-*.yaml
parity: build
	@set -e; status=0; for record in $(PARITY_RECORDS); do \
	  protocol=$$(sed -n 's/^protocol: *//p' $$record); label=$$(sed -n 's/^label: *//p' $$record); \
	  name=$$(sed -n 's/^protocol_name: *//p' $$record); \
	  seeds=$$(sed -n '/^cl_bench:/,$$p' $$record | sed -n 's/^    - seed: *//p' | sed 's/^/--seed /' | tr '\n' ' '); \
	  echo "== $$record: cl-bench run --protocol $$protocol --learner $$label $$seeds"; \
	  $(RELEASE_BIN) run --protocol $$protocol --learner $$label $$seeds --data-dir $(SHARED_DATA) --out $(PARITY_OUT) --resume >/dev/null; \
	  $(RELEASE_BIN) check --parity $$record $(PARITY_OUT)/$$name || status=1; \
	done; exit $$status

# The CI-sized subset of make parity: seed 0 of the records whose protocol runs in the
# regression job (the debug binary), checked against the record's rule.
parity-ci:
	@if [ -d $(SHARED_DATA)/mnist ]; then \
	  $(DEBUG_BIN) check --parity results/parity/prd-split-mnist-prd.yaml $(REGRESSION_OUT)/prd-split-mnist; \
	else echo "parity-ci: $(SHARED_DATA)/mnist not found, skipped"; fi

# results/README.md, the table researchers look up, from the results files of a sweep:
#   cl-bench sweep Sweeps/results-table.yaml --executor local -j 2 --out RESULTS   (hours here)
#   make results-table RESULTS=RESULTS
RESULTS ?= results
results-table: build
	$(RELEASE_BIN) report $(RESULTS) --results-table --out results/README.md

# The learner-from-your-own-package example (Examples/custom-learner): built against this
# package by path, run through run / report / check like a built-in learner, then killed
# inside its first learner's run and resumed to the same files bit for bit.
EXAMPLE := Examples/custom-learner
example:
	@if [ -d $(SHARED_DATA)/mnist ]; then \
	  start=$$(date +%s); data=$$(cd $(SHARED_DATA) && pwd); \
	  set -o pipefail; cd $(EXAMPLE) && $(SWIFT) build --product my-cl-bench 2>&1 | ../../scripts/check-warnings && \
	  rm -rf .build/regression && \
	  .build/debug/my-cl-bench run --protocol lwf-split-mnist.yaml --data-dir "$$data" --out .build/regression >/dev/null && \
	  .build/debug/my-cl-bench report .build/regression/lwf-split-mnist | head -9 && \
	  .build/debug/my-cl-bench check --baseline lwf-split-mnist.baseline.yaml .build/regression/lwf-split-mnist >/dev/null && \
	  ../../scripts/kill-and-resume .build/debug/my-cl-bench lwf-split-mnist.yaml "$$data" .build/regression .build/killed && \
	  echo "example package: built, run, reported, checked and resumed in $$(( $$(date +%s) - start )) s"; \
	else echo "example: $(SHARED_DATA)/mnist not found, the example run is skipped"; fi

bench: build
	$(SWIFT) build -c release --product cl-bench-benchmarks
	Benchmarks/compare_nmc.sh

# ResNet-20/32 training and evaluation against PyTorch on the same machine (creates
# Benchmarks/.venv with torch on first use, ~5 GB; about two minutes per run).
bench-training:
	Benchmarks/compare_training.sh --steps 3 --repeats 3

# Renders an HTML report of the quickstart results to PNG with headless Chromium (to look at).
report-screenshot: build
	$(RELEASE_BIN) run --protocol Protocols/quickstart.yaml >/dev/null
	CL_BENCH=$(RELEASE_BIN) Benchmarks/render_report.sh .build/report-screenshot results/quickstart

clean:
	rm -rf .build
