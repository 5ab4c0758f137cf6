# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/partnerhub_test
STAMP := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint bench bench-balance clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) partnerhub seed-demo --if-empty
	scripts/run

lint: install
	$(BIN)/ruff check .

test-sqlite: install
	@echo "=== test suite on SQLite ==="
	$(BIN)/pytest

test-postgres: install
	@echo "=== test suite on PostgreSQL ($(PG_TEST_URL)) ==="
	PARTNERHUB_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

test: lint test-sqlite test-postgres

# Balance and flags at 10,000 and 1,000,000 handoffs on PostgreSQL (a few minutes).
bench-balance: install
	$(BIN)/python -m bench.balance

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
