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

# Benchmarks gate on ratios to a reference measured in the same run, not on times (docs/calibration.md).
BENCH_DIR ?= .benchmarks
BENCH_BASELINE ?= $(BENCH_DIR)/baseline.json
BENCH_CURRENT ?= $(BENCH_DIR)/current.json
BENCH_RETRY ?= $(BENCH_DIR)/current-retry.json
BENCH_THRESHOLD ?= 0.25

bench: $(STAMP)
	mkdir -p $(BENCH_DIR)
	$(BIN)/pytest benchmarks -q -p no:cacheprovider --benchmark-only --benchmark-json $(BENCH_BASELINE)
	$(BIN)/python benchmarks/render_table.py $(BENCH_BASELINE) --print

# A regression must reproduce: the benchmarks that regressed run once more and each keeps its best ratio. A
# benchmark whose own assertion fails (wrong result, missed target) fails the target too, after the gate's report.
bench-compare: $(STAMP)
	mkdir -p $(BENCH_DIR)
	rm -f $(BENCH_RETRY)
	@$(BIN)/pytest benchmarks -q -p no:cacheprovider --benchmark-only --benchmark-json $(BENCH_CURRENT); rc=$$?; \
	K="$$($(BIN)/python -m zsim.calibrate.benchgate $(BENCH_BASELINE) $(BENCH_CURRENT) --regressed \
	    --threshold $(BENCH_THRESHOLD))"; if [ -n "$$K" ]; then echo "confirming: $$K"; \
	  $(BIN)/pytest benchmarks -q -p no:cacheprovider --benchmark-only --benchmark-json $(BENCH_RETRY) -k "$$K"; fi; \
	$(BIN)/python -m zsim.calibrate.benchgate $(BENCH_BASELINE) $(BENCH_CURRENT) \
	  $$([ -f $(BENCH_RETRY) ] && echo $(BENCH_RETRY)) --threshold $(BENCH_THRESHOLD) && exit $$rc

validate-model: $(STAMP)
	$(BIN)/zsim validate-model --out results/validation.csv --markdown docs/validation.md

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
