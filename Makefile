# The front door. `make` lists the targets; `make report` and `make test` set up the environment
# on first use (a .venv from requirements.lock, every file checked against its hash) and then do their job.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUARTER ?= auto
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup report test test-fast lab notebooks browser store lock bench clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  (QUARTER=2016-17-Q2 renders another quarter; ARGS='--jobs 1' passes options to perfkit run)"

# requirements.lock is generated from pyproject.toml (`make lock`): every package perfkit needs, with
# the extras test and lab, each pinned with its hashes; perfkit itself is then installed without deps.
# The pip that installs it is pinned first (requirements-pip.txt says why).
$(STAMP): requirements.lock requirements-pip.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) ## create .venv from requirements.lock (done automatically by the other targets)

store: $(STAMP) ## build the data store from the shipped data (done automatically when missing)
	$(BIN)/python -c "from perfkit import data; print(data.ensure_store())"

report: $(STAMP) ## render the latest complete quarter (or QUARTER=<id>) into outputs/
	$(BIN)/perfkit run --quarter $(QUARTER) $(ARGS)

# Three pytest-xdist workers on two cores: many tests wait on a run's kernels, a browser or a dask
# cluster, and with two workers about a quarter of the CPU time went unused (`time make
# TEST_WORKERS=2 test` against the default shows it). A rendered quarter is shared by all
# (tests/conftest.py).
TEST_WORKERS ?= 3

test: $(STAMP) browser ## run every test (three workers; TEST_WORKERS=0 runs them in one process)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The browser checks (tests/test_accessibility.py, test_layout.py) need Chromium and axe-core, and
# fail without them. Installed only when either is missing (PERFKIT_CHROMIUM and PERFKIT_AXE name
# other places); installing Chromium needs root, and when it cannot run, the tests' failure names
# the command. PERFKIT_SKIP_BROWSER=1 installs nothing and the tests skip the checks.
browser: ## install Chromium and axe-core for the browser tests when missing (bash .ci/install-browser)
	@if [ "$${PERFKIT_SKIP_BROWSER:-}" = 1 ]; then \
	    echo "make: PERFKIT_SKIP_BROWSER=1: the browser is not installed and the accessibility checks are skipped"; \
	elif [ ! -x "$${PERFKIT_CHROMIUM:-/usr/bin/chromium}" ] || [ ! -f "$${PERFKIT_AXE:-node_modules/axe-core/axe.min.js}" ]; then \
	    bash .ci/install-browser || echo "make: the browser was not installed (above); the browser tests will fail until 'bash .ci/install-browser' succeeds"; \
	fi

test-fast: $(STAMP) ## the edit loop: every test not marked slow (no rendered quarter, no browser)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not slow"

lab: $(STAMP) ## open JupyterLab on the notebooks (jupytext opens the .py files as notebooks)
	$(BIN)/jupyter lab --notebook-dir=notebooks

# Papermill and nbconvert read .ipynb files only. Each run rewrites every cell's input from the .py
# (the source; --update keeps an existing .ipynb's outputs) and leaves an unchanged one untouched;
# the .ipynb files are ignored by git. .venv is set up first only when $(BIN) has no jupytext, so
# BIN=<folder> uses another environment's. docs/notebooks.md has the papermill and nbconvert commands.
notebooks: $(if $(wildcard $(BIN)/jupytext),,$(STAMP)) ## write notebooks/<name>.ipynb from each .py (for papermill, nbconvert)
	$(BIN)/jupytext --to ipynb --update $(sort $(wildcard notebooks/*.py))

bench: $(STAMP) ## run the benchmarks (each prints ratios against a baseline measured in the same run)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/seasonal.py
	$(BIN)/python bench/quarter.py

# uv (pinned, in a venv of its own so .venv holds only the lock) resolves pyproject.toml with the extras
# test and lab for Linux and macOS, Python 3.11.5 and later (soupsieve's floor), with every file's hash.
# requirements-constraints.txt narrows packages perfkit does not import (it says why).
# The pins already in requirements.lock are kept unless the new dependencies need otherwise;
# `make lock UPGRADE=--upgrade` moves every pin to the latest release.
UV_VERSION ?= 0.13.9
LOCK_VENV := .venv-lock
UPGRADE ?=

lock: ## regenerate requirements.lock (with hashes) from pyproject.toml with uv (UPGRADE=--upgrade for new releases)
	@test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml -c requirements-constraints.txt --extra test --extra lab --universal --python-version 3.11.5 \
	    --no-python-downloads --generate-hashes --custom-compile-command "make lock" $(UPGRADE) -o requirements.lock

clean: ## remove generated files (outputs, the store, caches); keeps .venv
	rm -rf outputs/* data/store data/cache .pytest_cache
