# `make run`: everything on the embedded default (SQLite, no server needed). `make test`: the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (each builds its own SQLite and PostgreSQL databases; four on two cores:
# much of the suite waits on subprocesses, browsers and servers: 825 s against 949 s with three, same machine);
# 0 runs in-process
TEST_WORKERS ?= 4
# Python's own default: write the project's bytecode caches (__pycache__, ignored by git) even where the
# environment says PYTHONDONTWRITEBYTECODE; else every process the suite starts compiles its sources again
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install run test lint check clean bench doc-shots

# uv (from PyPI, into the venv) installs the same versions pip would, in seconds instead of a minute;
# --compile-bytecode writes the dependencies' bytecode once, as pip does (uv skips it by default): without
# it every Python process compiles SQLAlchemy, Alembic, Pygments... again, 2.6 s of CPU per process here
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# the pages' JavaScript linter: eslint pinned in package.json / package-lock.json, installed by npm ci (Debian's
# nodejs + npm; .ci/run installs them) into node_modules, never globally
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/loyalty run --host $(HOST) --port $(PORT)

lint: install node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	node_modules/.bin/eslint --max-warnings=0 templates/pages/static

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# `make bench`: each hot path beside its limit on a scratch PostgreSQL database (BENCH_DATABASE_URL, dropped
# and created again); BENCH_SCALE=small is the quick form. Writes var/bench.json. See benchmarks/run.py.
bench: install
	$(BIN)/python -m benchmarks

# `make doc-shots`: run the page flows the guides show and copy their chosen screenshots into docs/img/
# (small PNGs, committed); see tests/pages/doc_shots.py
doc-shots: install
	$(BIN)/python -m tests.pages.doc_shots

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache node_modules
