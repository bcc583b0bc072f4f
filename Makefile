# ccaudit: the README's commands. Works on a fresh machine with only python3 (3.11+) and pip:
# the first target that needs it creates .venv and installs the project with its test tools.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ccaudit-installed
# The lock, after Airflow's convention: a constraints file per Python version holding the versions
# the tests passed with (make lock writes it). Packages not in it yet install unpinned.
PYVER := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
CONSTRAINTS ?= constraints/constraints-$(PYVER).txt
PIP_CONSTRAINTS = $(if $(wildcard $(CONSTRAINTS)),-c $(CONSTRAINTS))
# Debian packages for make test-cluster (PostgreSQL: metadata database; Redis: Celery broker).
CLUSTER_DEBS ?= postgresql redis-server

.PHONY: demo test test-fast test-cluster bench bench-scale lint docs lock clean venv system-deps

venv: $(STAMP)

$(STAMP): pyproject.toml $(wildcard $(CONSTRAINTS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@[ -n "$(PIP_CONSTRAINTS)" ] || echo "venv: no $(CONSTRAINTS) for Python $(PYVER): installing unpinned versions"
	$(BIN)/pip install --quiet $(PIP_CONSTRAINTS) -e '.[dev,cluster]'
	touch $(STAMP)

## Rewrite the lock from the venv: run after adding a dependency to pyproject.toml and a green make test.
lock: venv
	$(BIN)/python scripts/lock_constraints.py > $(CONSTRAINTS).new && mv $(CONSTRAINTS).new $(CONSTRAINTS)
	@echo "lock: wrote $(CONSTRAINTS) ($$(grep -vc '^#' $(CONSTRAINTS)) pinned distributions)"

## Optional speed-ups and the browser for the report test (Debian/Ubuntu, needs root).
system-deps:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lbzip2 pigz zstd chromium >/dev/null \
	  || echo "system-deps: apt-get failed; ccaudit works without these (slower bz2, no browser test)"; \
	else echo "system-deps: skipped (needs apt-get and root); ccaudit works without them"; fi
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CLUSTER_DEBS) >/dev/null \
	  || echo "system-deps: could not install $(CLUSTER_DEBS); make test-cluster needs them"; \
	fi

demo: venv
	$(BIN)/ccaudit demo --out demo-out

## --durations=25: the 25 slowest tests, so each run records where the suite's time goes.
test: venv
	$(BIN)/python -m pytest -q --durations=25

test-fast: venv
	$(BIN)/python -m pytest -q -m "not slow and not browser"

## CeleryExecutor cluster (PostgreSQL + Redis + two workers) on loopback; needs make system-deps.
test-cluster: venv
	$(BIN)/python -m pytest -q -s -m cluster tests/cluster

bench: venv
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The whole audit at ROWS generated rows, stage by stage: SCALE_OUT/scale.json (docs/scale.md).
ROWS ?= 2000000
SCALE_OUT ?= bench/scale-out
bench-scale: venv
	$(BIN)/python -m bench.scale --rows $(ROWS) --out $(SCALE_OUT) $(SCALE_ARGS)

## Every check runs, then the target fails if any failed (so one run shows all of them):
## ruff (rules in pyproject.toml), the formatter, mypy on the package, and generated files up to date.
LINT_PATHS = pipelines dags tests bench scripts
lint: venv
	@status=0; \
	$(BIN)/ruff check $(LINT_PATHS) || status=1; \
	$(BIN)/ruff format --check $(LINT_PATHS) || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/python scripts/gen_docs.py --check || status=1; \
	exit $$status

## Regenerate what is generated from the code: docs/cli.md, the manifest DAG's FORMATS, the datasets.format COMMENT.
docs: venv
	$(BIN)/python scripts/gen_docs.py

clean:
	rm -rf demo-out reports bench/data bench/results.json bench/scale-out .pytest_cache
