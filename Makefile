# AgileKit API. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
NPM_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha1sum | cut -c1-12)
GRAPHIQL_ASSETS := static/graphiql/.copied
WEB_NPM_STAMP := frontend/node_modules/.installed-$(shell cat frontend/package.json frontend/package-lock.json | sha1sum | cut -c1-12)
WEB_APP := frontend/dist/index.html
WEB_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/vite-plugin-schema.ts -type f 2>/dev/null) $(wildcard client/*.graphql client/*/*.graphql) schema/schema.graphql

.PHONY: setup run test lint format schema codegen browser clean migration web web-check bench

setup: $(STAMP) $(GRAPHIQL_ASSETS) $(WEB_APP)

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

# The web app (frontend/): its own npm project, typed by the operations in client/.
$(WEB_NPM_STAMP): frontend/package.json frontend/package-lock.json frontend/.npmrc
	npm --prefix frontend ci --no-audit --no-fund --loglevel=error
	@rm -f frontend/node_modules/.installed-* && touch $@

# Built into frontend/dist, which `agilekit serve` serves at / (never committed).
$(WEB_APP): $(WEB_NPM_STAMP) $(NPM_STAMP) $(WEB_SOURCES)
	node_modules/.bin/graphql-codegen --config codegen.yml
	npm --prefix frontend run --silent build

web: $(WEB_APP)

web-check: $(WEB_APP)  ## the web app's type check, lint, format check and unit tests
	npm --prefix frontend run --silent typecheck
	npm --prefix frontend run --silent lint
	npm --prefix frontend run --silent format:check
	npm --prefix frontend run --silent test

run: setup
	$(VENV)/bin/agilekit migrate
	$(VENV)/bin/agilekit serve --host 127.0.0.1 --port 8000

test: setup codegen browser web-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

bench: setup browser  ## every benchmark, then bench/out/summary.json (figures and ratios)
	$(PY) -m bench.all

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
	rm -rf $(VENV) node_modules static generated agilekit.sqlite3 agilekit.sandbox.json frontend/node_modules frontend/dist

migration: setup  ## make migration NAME=what_changed
	$(PY) -m scripts.make_migration $(or $(NAME),update)
