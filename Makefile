# Two commands from a clean clone (Python 3.11+ and make):
#   make report   set up .venv, build the quarterly pack for Portsmouth from the bundled data
#   make test     set up .venv, run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cdp-installed
AREA   ?= E06000044
QUARTER ?= latest

.PHONY: report test lint format docs benchmark clean setup axe

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# pip compiles the libraries it installs, not an editable project: compile it too, or
	@# every process of a run recompiles the package where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/python -m compileall -q cdp_analysis
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/cdp-analysis run --area $(AREA) --quarter $(QUARTER)

#: axe-core (accessibility checks injected by tests/test_browser.py), pinned in tests/browser/package-lock.json
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --silent && touch node_modules/axe-core/axe.min.js; \
	else echo "warning: npm not found; the axe-core accessibility test will be skipped" >&2; fi

axe: $(AXE)

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) tests/browser/node_modules build *.egg-info .pytest_cache .ruff_cache
