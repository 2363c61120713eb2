# Two set-up commands for a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint serve demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEVSTAMP)

run: $(STAMP)
	$(BIN)/npl migrate --noinput
	$(BIN)/npl demo --if-empty
	$(BIN)/npl collectstatic --noinput --verbosity 0
	$(BIN)/npl demo --print-logins
	$(BIN)/npl runserver 127.0.0.1:8000

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

test: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/npl makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
