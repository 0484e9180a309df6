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

.PHONY: install test test-slow bench reproduce catalogue synthetic-check synthetic-quick clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if ! command -v nvidia-smi >/dev/null 2>&1; then $(PY) -m pip install "$(TORCH_SPEC)"; fi
	$(PY) -m pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed

test: install
	$(PY) -m pytest

test-slow: install
	$(PY) -m pytest -m slow

bench: install
	$(PY) benchmarks/bench_certify.py
	$(PY) benchmarks/bench_fastcount.py
	$(PY) benchmarks/bench_probe.py

# The main job: every pipeline that exists so far, writing under $(RESULTS)/.
reproduce: install catalogue synthetic-check

catalogue: install
	$(PY) -m theory catalogue --out $(RESULTS)/theory/catalogue

# Every theorem check of synthetic/ (resumes an interrupted run from results/.../parts/).
synthetic-check: install
	$(PY) -m synthetic check --out $(RESULTS)/synthetic/check

synthetic-quick: install
	$(PY) -m synthetic check --quick --out $(RESULTS)/synthetic/check-quick

clean:
	rm -rf $(VENV) *.egg-info
