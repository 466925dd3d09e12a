# devops-orchestrator developer entry points. `make demo` and `make test` are the two
# commands of the README; everything else is a building block of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)/hack

.PHONY: lock tools manifests setup controlplane validators test test-unit lint cluster-up cluster-down redis-up redis-down demo bench bench-scale kwok reliability clean

# Dependencies are pinned with hashes: requirements-dev.lock (everything make setup
# installs) and requirements.lock (what the image needs), both from pyproject.toml by
# `make lock`; pip refuses anything whose hash differs.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock

$(VENV)/.installed: pyproject.toml $(LOCK) $(DEV_LOCK)
	bash hack/require-tools.sh setup
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv

lock: $(VENV)/bin/uv  ## re-pin (with hashes) after changing pyproject.toml; LOCK_ARGS=--upgrade bumps all
	$(VENV)/bin/uv pip compile --quiet pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 $(LOCK_ARGS) -o $(DEV_LOCK)
	$(VENV)/bin/uv pip compile --quiet pyproject.toml --generate-hashes \
		--python-version 3.11 -c $(DEV_LOCK) -o $(LOCK)

setup: $(VENV)/.installed validators  ## venv with the package (editable) and every test dependency

validators:  ## actionlint, built from its Go module into the same cache as the control plane; checkov in its own venv
	bash hack/build-actionlint.sh
	bash hack/install-checkov.sh

controlplane:  ## build the pinned upstream control plane into ~/.cache (skipped when cached)
	bash hack/build-controlplane.sh

tools:  ## install what a fresh Debian machine lacks (redis-server, git, ...) or say how
	MAKE_TARGET=$(firstword $(MAKECMDGOALS)) bash hack/require-tools.sh run

test: tools setup controlplane  ## the whole suite: unit, Redis, worker and real-cluster tests
	$(PY) -m compileall -q operator/devops_orchestrator  # as the image: workers start faster
	$(PY) -m pytest -q

test-unit: setup  ## every test that needs neither the cluster nor Redis, wherever it lives
	$(PY) -m pytest -q -m "not cluster and not redis"

lint: setup
	$(VENV)/bin/ruff check operator hack tests
	$(VENV)/bin/ruff format --check operator hack tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

cluster-up: setup controlplane  ## start the local control plane + node agent in the background
	$(PY) -m devcluster up

cluster-down:
	$(PY) -m devcluster down

redis-up: setup
	$(PY) -m devcluster redis-up

redis-down:
	$(PY) -m devcluster redis-down

manifests: $(VENV)/.installed  ## the CRD's worker enum from .claude/agents, and its kustomize copy (kustomize cannot load files outside manifests/)
	$(PY) hack/crd_workers.py
	cp crds/devopstask.yaml manifests/crd/devopstask.yaml

demo: tools setup controlplane  ## from a fresh clone to a finished task
	$(PY) -m devcluster demo

bench: setup controlplane  ## orchestration benchmark on a fresh cluster: bench/results.{json,md}
	$(PY) -m bench $(BENCH_ARGS)

kwok:  ## KWOK (simulated nodes and pods for bench-scale), built from its Go module into the cache
	bash hack/build-kwok.sh

bench-scale: setup controlplane kwok  ## the operator at scale on KWOK nodes: bench/scale-results.{json,md}
	$(PY) -m bench.scale $(BENCH_SCALE_ARGS)

reliability: setup controlplane  ## the fault-injection suite with its long parameters
	RELIABILITY_LONG=1 $(PY) -m pytest -q tests/reliability

clean: cluster-down
	rm -rf $(VENV) .devcluster
