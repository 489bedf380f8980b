# zsim: two commands on a fresh machine with python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-compare validate-model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/zsim run experiments/quickstart.yaml

test: $(STAMP)
	$(BIN)/ruff check zsim tests benchmarks
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check zsim tests benchmarks

bench: $(STAMP)
	$(BIN)/pytest benchmarks -q --benchmark-only --benchmark-autosave

bench-compare: $(STAMP)
	$(BIN)/pytest benchmarks -q --benchmark-only --benchmark-compare --benchmark-compare-fail=mean:25%

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
