# Two commands on a fresh machine: `make run` and `make test`. Only python3 (3.11+) is assumed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench demo sync clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: install, write the demo data up to today, sync it, open the dashboard on :8501
# The demo is regenerated every time (it takes a second) so it always looks live; its sync
# exits 1 by design when a source fails, which must not stop the dashboard from starting.
run: $(STAMP)
	$(BIN)/okr demo .
	-$(BIN)/okr sync metrics.yml
	$(BIN)/okr serve metrics.yml

## test: install with test extras, lint, run every test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the benchmarks in bench/ (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) data/*.duckdb* data/warehouse.db data/exports
