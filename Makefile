# AgileKit API. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
NPM_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha1sum | cut -c1-12)
GRAPHIQL_ASSETS := static/graphiql/.copied

.PHONY: setup run test lint format schema codegen browser clean migration

setup: $(STAMP) $(GRAPHIQL_ASSETS)

$(STAMP): requirements.lock pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

# GraphiQL assets and GraphQL Code Generator, from the committed package-lock.json.
$(NPM_STAMP): package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-* && touch $@

# Served at /static/graphiql so GraphiQL works offline; never committed.
$(GRAPHIQL_ASSETS): $(NPM_STAMP) $(STAMP) web/graphiql.py
	$(PY) -m web.graphiql
	@touch $@

run: setup
	$(VENV)/bin/agilekit migrate
	$(VENV)/bin/agilekit serve --host 127.0.0.1 --port 8000

test: setup codegen browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

schema: setup
	$(PY) -m schema.export

codegen: setup  ## TypeScript types for client/**/*.graphql into generated/
	node_modules/.bin/graphql-codegen --config codegen.yml

# The GraphiQL test drives Debian's Chromium: install it when it is missing.
browser:
	@test -x /usr/bin/chromium || { apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

clean:
	rm -rf $(VENV) node_modules static generated agilekit.sqlite3

migration: setup  ## make migration NAME=what_changed
	$(PY) -m scripts.make_migration $(or $(NAME),update)
