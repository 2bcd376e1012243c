# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is a development server: DEBUG on, embedded SQLite and the ORM broker.
RUN_ENV := DJANGO_DEBUG=1

.PHONY: help install install-dev run test lint typecheck format migrate seed schema docs messages clean

help:
	@echo "make run    install, migrate, load demo data, serve on http://$(HOST):$(PORT) + worker"
	@echo "make test   install dev dependencies, run ruff and the whole test suite"

# pyproject.toml pins our direct dependencies; constraints.txt pins everything they pull
# in, so every machine installs the set the suite last ran against. After changing a pin:
# `.venv/bin/pip freeze --exclude-editable > constraints.txt`.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml constraints.txt
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo --url http://$(HOST):$(PORT)
	$(RUN_ENV) $(PY) manage.py sync_schedules

# Web server and django-q2 worker together; Ctrl-C stops both.
run: seed
	$(RUN_ENV) $(PY) manage.py devserver $(HOST):$(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs on the four apps, every module but the migrations ([tool.mypy]
# in pyproject.toml).
typecheck: install-dev
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

schema: install-dev
	DJANGO_DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# docs/api-reference.md is generated from the OpenAPI schema; a test fails when it is stale.
docs: install
	DJANGO_DEBUG=1 $(PY) manage.py api_docs

# The French catalogue: extract the marked strings (needs GNU gettext), translate the new
# ones in locale/fr/LC_MESSAGES/django.po, then compile it (pure Python, no gettext needed).
messages: install-dev
	$(RUN_ENV) $(PY) manage.py makemessages -l fr --no-location \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(RUN_ENV) $(PY) manage.py compile_translations

# The portal's browser tests need a Chromium (Debian's `chromium`, or CHROMIUM_PATH);
# without one they are skipped, and this says so. Under CI they are mandatory.
BROWSER := $(shell if [ -n "$${CHROMIUM_PATH:-}" ]; then [ -x "$$CHROMIUM_PATH" ] && echo "$$CHROMIUM_PATH"; \
	else command -v chromium || command -v chromium-browser || command -v google-chrome \
	|| command -v google-chrome-stable; fi)

# pytest exit code 5 (no tests collected) is a failure like any other.
test: lint typecheck schema
	@if [ -n "$(BROWSER)" ]; then echo "Browser tests: running with $(BROWSER)"; \
	else echo "Browser tests: SKIPPED, no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)"; fi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache .ruff_cache
