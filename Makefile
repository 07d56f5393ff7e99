# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# The OpenID Connect provider the browser tests sign in with (npm, pinned by its lockfile).
OIDC_TEST := tests/e2e/oidc

.PHONY: run test test-postgres check lint typecheck bench bench-peer boundaries system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-postgres.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# Starts the dashboard on the embedded DuckDB store (built with demo data on first start), through
# asgi.py: Streamlit's server with compression, cache lifetimes and anti-framing headers
# (creative_dash/web.py). Deployments run the same command.
run: $(VENV)/.run-deps
	$(BIN)/streamlit run asgi.py --server.port $(PORT)

# Debian packages the tests need: Chromium (browser tests), PostgreSQL (the shared backend),
# nginx (the proxy in front of replicas, deploy/nginx), Node.js with npm (the identity provider
# of the sign-in tests) and poppler-utils (pdftoppm: the brief's pages rendered to PNG).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (sudo apt-get install -y$$missing)"; exit 1; fi; \
	fi

$(OIDC_TEST)/node_modules/.installed: $(OIDC_TEST)/package.json $(OIDC_TEST)/package-lock.json | system-deps
	npm ci --prefix $(OIDC_TEST) --no-audit --no-fund --loglevel=error
	touch $@

# Installs what the tests need and runs the whole suite, browser tests included; then the store,
# query and page tests a second time on PostgreSQL.
test: $(VENV)/.dev-deps system-deps $(OIDC_TEST)/node_modules/.installed
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-postgres

# The tests of the store (writes, the gateway, imports, edits), the dashboards' queries and the
# pages (AppTest: every page in every language; sign-in, editing, imports, live) on a throw-away
# PostgreSQL from Debian's packages (tests/conftest.py, CREATIVE_DASH_TEST_BACKEND), each test on
# its own copy of the demo store. The PostgreSQL-only tests ran in the main pass already.
PG_TESTS := tests/unit/test_store.py tests/unit/test_gateway.py tests/unit/test_importer.py \
	tests/unit/test_editing.py tests/unit/test_overview_queries.py \
	tests/unit/test_initiatives_queries.py tests/unit/test_hubs_queries.py \
	tests/unit/test_programme_queries.py tests/app/test_all_pages.py tests/app/test_editing.py \
	tests/app/test_data_import.py tests/app/test_live.py tests/app/test_sign_in.py \
	tests/app/test_region.py tests/unit/test_ballot_page.py
test-postgres: $(VENV)/.dev-deps system-deps
	CREATIVE_DASH_TEST_BACKEND=postgres $(BIN)/python -m pytest -m "not postgres and not e2e" \
	  $(PG_TESTS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check creative_dash pages app.py asgi.py tests scripts bench
	$(BIN)/ruff format --check creative_dash pages app.py asgi.py tests scripts bench
	$(BIN)/lint-imports --no-logo  # the layer contract (.importlinter)

# The library's types (mypy.ini).
typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy

check: lint typecheck test

bench: $(VENV)/.dev-deps system-deps
	$(BIN)/python -m bench
	$(BIN)/python -m bench.link
	$(BIN)/python -m bench.room
	$(BIN)/python -m bench.room --ballot
	$(BIN)/python -m bench.room --replicas
	$(BIN)/python -m bench.pg

# The overview against Apache Superset on this machine (bench/README.md, "Against a peer"):
# Superset from PyPI in its own virtual environment, pinned by bench/peer/requirements.txt.
PEER_VENV := bench/peer/.venv
$(PEER_VENV)/.installed: bench/peer/requirements.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEER_VENV)/bin/python -m pip install --quiet -r bench/peer/requirements.txt
	touch $@

bench-peer: $(VENV)/.dev-deps system-deps $(PEER_VENV)/.installed
	$(BIN)/python -m bench.peer

boundaries: $(VENV)/.dev-deps
	$(BIN)/python scripts/build_boundaries.py

clean:
	rm -rf $(VENV) bench/peer/.venv .pytest_cache .import_linter_cache test-artifacts $(OIDC_TEST)/node_modules
