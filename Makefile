# Two commands for a newcomer: `make demo` (the main job) and `make test`.
# Both create .venv when missing and install the package with its dev extra; both are idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLI    := $(BIN)/cargorisk
MIRROR := $(wildcard ../shared/data)

.PHONY: demo test lint bench clean-data

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(CLI) data fetch $(if $(MIRROR),--mirror $(MIRROR))
	$(CLI) data build
	$(CLI) data status
	$(CLI) network info
	$(CLI) network place "Monterrey, NL" "Dallas, TX" "Juárez, Chihuahua" "25.43,-101.0"
	$(CLI) train
	$(CLI) risk states --year 2025
	$(CLI) border waits --port Laredo --at 2026-03-02T08:00-06:00
	$(CLI) route "Monterrey, NL" "Dallas, TX" --depart 2026-03-02T06:00-06:00 --cargo-value 250000

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_data_build.py
	$(BIN)/python benchmarks/bench_network.py
	$(BIN)/python benchmarks/bench_routing.py

clean-data:
	rm -rf data/raw data/processed
