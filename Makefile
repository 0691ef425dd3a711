# `make run`: everything on the embedded default (SQLite, no server needed). `make test`: the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint check clean bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/loyalty run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# `make bench`: each hot path beside its limit on a scratch PostgreSQL database (BENCH_DATABASE_URL, dropped
# and created again); BENCH_SCALE=small is the quick form. Writes var/bench.json. See benchmarks/run.py.
bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
