# devops-orchestrator developer entry points. `make demo` and `make test` are the two
# commands of the README; everything else is a building block of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)/hack

.PHONY: manifests setup controlplane validators test test-unit lint cluster-up cluster-down redis-up redis-down demo bench bench-scale kwok reliability clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed validators  ## venv with the package (editable) and every test dependency

validators:  ## actionlint, built from its Go module into the same cache as the control plane; checkov in its own venv
	bash hack/build-actionlint.sh
	bash hack/install-checkov.sh

controlplane:  ## build the pinned upstream control plane into ~/.cache (skipped when cached)
	bash hack/build-controlplane.sh

test: setup controlplane  ## the whole suite: unit, Redis, worker and real-cluster tests
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

demo: setup controlplane  ## from a fresh clone to a finished task
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
