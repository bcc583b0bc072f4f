# ccaudit: the README's commands. Works on a fresh machine with only python3 (3.11+) and pip:
# the first target that needs it creates .venv and installs the project with its test tools.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ccaudit-installed

.PHONY: demo test test-fast bench lint clean venv system-deps

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Optional speed-ups and the browser for the report test (Debian/Ubuntu, needs root).
system-deps:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lbzip2 pigz zstd chromium >/dev/null \
	  || echo "system-deps: apt-get failed; ccaudit works without these (slower bz2, no browser test)"; \
	else echo "system-deps: skipped (needs apt-get and root); ccaudit works without them"; fi

demo: venv
	$(BIN)/ccaudit demo --out demo-out

test: venv
	$(BIN)/python -m pytest -q

test-fast: venv
	$(BIN)/python -m pytest -q -m "not slow and not browser"

bench: venv
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: venv
	$(BIN)/ruff check pipelines dags tests bench

clean:
	rm -rf demo-out reports bench/data bench/results.json .pytest_cache
