# Developer shortcuts. `make setup` once, then `make test`, `make lint`, `make bench`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup test lint bench app serve

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check app ui engine server tests
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m pytest tests/benchmarks/bench_*.py -m benchmark -s -p no:cacheprovider

app: setup
	$(VENV)/bin/omniflow

serve: setup
	$(VENV)/bin/omniflow serve
