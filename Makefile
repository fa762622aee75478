# identity_graph — the two set-up commands are `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install serve migrate test test-sqlite test-postgres lint typecheck schema clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Run the service on http://127.0.0.1:8000 (embedded SQLite under ./data, sandbox providers).
serve: install
	@echo "GraphiQL: http://127.0.0.1:8000/graphql   SMS codes: $(BIN)/identity-graph outbox"
	$(BIN)/identity-graph serve

migrate: install
	$(BIN)/identity-graph migrate

## Lint, type-check and run every test: SQLite first, then PostgreSQL when
## IDG_TEST_POSTGRES_URL is set (Redis-backed tests use IDG_TEST_REDIS_URL).
test: install lint typecheck test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-postgres: install
	@if [ -n "$$IDG_TEST_POSTGRES_URL" ]; then \
		$(BIN)/python -m pytest -q -p no:cacheprovider --db postgres; \
	else echo "IDG_TEST_POSTGRES_URL not set: PostgreSQL run skipped"; fi

lint: install
	$(BIN)/ruff check identity_graph tests bench examples
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

schema: install
	$(BIN)/identity-graph export-schema -o schema.graphql

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
