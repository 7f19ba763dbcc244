# Trellis: `make up` runs the whole system on embedded defaults; `make test` runs every check.
# Both set up whatever is missing first (uv, the locked environment).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
BIN := $(VENV)/bin
SRC := router/src registry/src config/src subgraphs/kit/src subgraphs/customers/src subgraphs/inventory/src subgraphs/billing/src subgraphs/orders/src web/server/src

.PHONY: setup up test lint typecheck pytest web web-test schema schema-check seed migrate clean \
	bench-gateways bench-invoices bench-planner bench-composition bench-router-cpu

## setup: install uv if absent, then the locked environment
setup: $(VENV)/.synced

$(VENV)/.synced: uv.lock pyproject.toml */pyproject.toml subgraphs/*/pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --all-packages
	@touch $@

## web: install web/'s locked npm packages and build web/dist when their sources changed
## (the build validates every operation against schema/api-schema.graphql)
WEB_SOURCES := $(shell find web/src web/public web/scripts -type f -not -name generated.ts 2>/dev/null) \
	web/index.html web/graphiql.html web/vite.config.ts web/codegen.ts web/tsconfig.json \
	schema/api-schema.graphql
web: web/dist/index.html

web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20+ to build web/" >&2; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build --silent
	@touch $@

## web-test: the web app's unit tests (vitest)
web-test: web/node_modules/.installed
	cd web && npm run codegen --silent && npx vitest run

## up: run config server, registry, subgraphs, router and web (Ctrl-C stops all)
up: setup web
	@mkdir -p var
	$(BIN)/honcho start -f Procfile

## test: lint, type-check and every test
test: setup lint typecheck web web-test pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy $(SRC)

pytest: setup
	$(BIN)/pytest

## schema: regenerate schema/ (subgraph SDL, supergraph, API schema) from the code
schema: setup
	$(BIN)/python dev/export_schema.py

## schema-check: schema/ matches the code, and no unaccepted breaking change since HEAD~1
schema-check: setup
	$(BIN)/python dev/check_schema_changes.py

## migrate: run every subgraph's Alembic migrations on its database (also done on start)
migrate: setup
	@for name in customers inventory billing orders; do $(BIN)/python -m trellis_$$name migrate || exit 1; done

## seed: load benchmark-size demo data into var/bench (SEED_ARGS="--customers 10000 ...")
seed: setup
	$(BIN)/python dev/seed.py $(SEED_ARGS)

## bench-*: the performance benchmarks (print numbers, assert nothing; see benchmarks/RESULTS.md)
## bench-gateways: the standard federation benchmark against Apollo and Hive Gateway
## (../shared/bench; BENCH_ARGS="--dedup" or "--workers" for the other comparisons)
bench-gateways: setup
	benchmarks/gateways.sh $(BENCH_ARGS)

## bench-invoices: the web app's invoice list on our own subgraphs through each gateway
bench-invoices: setup
	$(BIN)/python benchmarks/invoices.py --pin $(BENCH_ARGS)

bench-planner: setup
	$(BIN)/python benchmarks/planner.py $(BENCH_ARGS)

bench-composition: setup
	$(BIN)/python benchmarks/composition.py $(BENCH_ARGS)

## bench-router-cpu: the router's CPU per request on the heavy query, instant subgraphs
bench-router-cpu: setup
	$(BIN)/python benchmarks/router_cpu.py $(BENCH_ARGS)

clean:
	rm -rf var web/dist test-output
