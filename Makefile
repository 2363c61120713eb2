# Two set-up commands for a fresh machine: `make run` and `make test` (README.md).
# The database is $DATABASE_URL when set, else the SQLite file under $NPL_DATA_DIR (default ./var).
# Python 3.11 is required (Django 5.2 LTS); python3.11 is preferred when both exist.
PY ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1:8000
# Test processes (pytest-xdist, one per core); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test install install-dev lint migrate demo serve ci clean system-run system-test

# The Debian/Ubuntu packages each command needs (fonts, pango, harfbuzz-subset, python3.11-venv; chromium for the
# tests): installed when run as root or with passwordless sudo, else one message with the command to run.
system-run:
	@bash scripts/system-packages.sh run
system-test:
	@bash scripts/system-packages.sh test

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "npl needs Python 3.11 (found %d.%d): make PY=/path/to/python3.11" % sys.version_info[:2])'
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

# Migrate, load the demo district when the database holds no loans, print the demo logins, then serve
# (with the background worker that runs uploaded imports).
run: system-run $(STAMP)
	@echo "准备数据库（首次运行逐个建表，约一分钟）……"
	$(BIN)/npl migrate --noinput
	$(BIN)/npl collectstatic --noinput --verbosity 0
	$(BIN)/npl demo --if-empty --print-logins --host $(HOST)
	@echo "打开 http://$(HOST)/ （Ctrl-C 停止）"
	$(BIN)/npl db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/npl runserver $(HOST)

# ruff, a migration for every model change, then the test suite (PYTEST_ARGS passes options to pytest).
# The suite includes the browser tests (tests/browser, a real chromium binary — Debian's /usr/bin/chromium, not
# Ubuntu's snap stub; skipped where there is none): PYTEST_ARGS='-m "not browser"' leaves them out while you work.
test: system-test $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/npl makemigrations --check --dry-run
	NPL_CHROMIUM="$${NPL_CHROMIUM:-$$(bash scripts/system-packages.sh --chromium-path)}" $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

migrate: $(STAMP)
	$(BIN)/npl migrate --noinput

demo: migrate
	$(BIN)/npl demo

serve: $(STAMP)
	$(BIN)/npl runserver $(HOST)

# What CI runs on a bare machine (installs system packages: run as root).
ci:
	bash .ci/run

# Leaves var/ alone: it holds the database and the generated keys (README: back them up together).
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
