# Two commands for a newcomer: `make demo` (the main job) and `make test`.
# Both create .venv when missing and install the package with its dev extra; both are idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JS     := node_modules/.installed
CLI    := $(BIN)/cargorisk
MIRROR := $(wildcard ../shared/data)
CHROMIUM ?= chromium

.PHONY: demo test lint bench browser clean-data

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Leaflet and the other JS/CSS that saved maps inline, so they work offline (package.json pins them).
$(JS): package.json
	npm install --no-audit --no-fund --silent
	touch $(JS)

# Debian's Chromium and ChromeDriver for the map tests; installed when missing (the tests skip,
# saying why, only where they cannot be installed).
browser:
	@command -v $(CHROMIUM) >/dev/null && command -v chromedriver >/dev/null || { \
	  log=$$(mktemp); \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >$$log 2>&1 \
	  || { echo "note: could not install chromium, so the browser tests will be skipped; apt said:"; \
	       tail -n 5 $$log | sed 's/^/    /'; }; \
	  rm -f $$log; }

demo: $(STAMP) $(JS)
	$(CLI) data fetch $(if $(MIRROR),--mirror $(MIRROR))
	$(CLI) data build
	$(CLI) data status
	$(CLI) network info
	$(CLI) network place "Monterrey, NL" "Dallas, TX" "Juárez, Chihuahua" "25.43,-101.0"
	$(CLI) train
	$(CLI) risk states --year 2025
	$(CLI) border waits --port Laredo --at 2026-03-02T08:00-06:00
	$(CLI) route "Monterrey, NL" "Dallas, TX" --depart 2026-03-02T06:00-06:00 --cargo-value 250000 \
	  --map maps/monterrey_dallas.html --png maps/monterrey_dallas.png

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

test: lint $(JS) browser
	$(BIN)/python -m pytest -q --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_data_build.py
	$(BIN)/python benchmarks/bench_network.py
	$(BIN)/python benchmarks/bench_routing.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_service.py
	$(BIN)/python benchmarks/bench_service_faults.py
	$(BIN)/python benchmarks/bench_matrix.py
	$(BIN)/python benchmarks/bench_startup.py

clean-data:
	rm -rf data/raw data/processed
