# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/partnerhub_test
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PDF_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
# Root installs directly (CI, the dev machines); anyone else goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

.PHONY: install catalogs translations run test screenshots test-sqlite test-postgres lint bench bench-hotrows bench-delivery bench-balance bench-lists bench-assignment bench-statements bench-load bench-faults bench-token bench-customers clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The browser tests drive Debian's Chromium: no browser can be downloaded here.
# apt-get update runs only when the package lists do not know chromium yet.
$(CHROMIUM):
	$(APT_INSTALL) chromium || { $(SUDO) apt-get update && $(APT_INSTALL) chromium; }

# The PDF statements print names and Russian in DejaVu Sans (partnerhub/reports/statement_pdf.py).
$(PDF_FONT):
	$(APT_INSTALL) fonts-dejavu-core || { $(SUDO) apt-get update && $(APT_INSTALL) fonts-dejavu-core; }

install: $(STAMP) $(CHROMIUM) $(PDF_FONT) catalogs

# The .mo files the app reads, compiled from the committed .po catalogs (never committed themselves).
catalogs: $(STAMP)
	$(BIN)/python scripts/catalogs.py compile

# After changing text shown to people: extract it, add the new messages to the German and Russian
# catalogs (empty until translated; `make test` fails until they are), compile.
translations: $(STAMP)
	$(BIN)/python scripts/catalogs.py update
	$(BIN)/python scripts/catalogs.py compile

# The product needs no browser; only the tests do.
run: $(STAMP) catalogs
	$(FLASK) db upgrade
	$(FLASK) partnerhub seed-demo --if-empty
	scripts/run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-sqlite: install
	@echo "=== test suite on SQLite ==="
	$(BIN)/pytest

test-postgres: install
	@echo "=== test suite on PostgreSQL ($(PG_TEST_URL)) ==="
	PARTNERHUB_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

# The two passes at once, each printed whole when it ends: much of each pass waits on subprocesses,
# sockets and clocks, so together they take little longer than the PostgreSQL pass alone.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Refresh docs/screenshots/ from the browser tests.
screenshots: install
	PARTNERHUB_SCREENSHOTS=1 $(BIN)/pytest tests/web

bench: install
	$(BIN)/python -m bench.routing
	$(BIN)/python -m bench.intake

# Intake from one sender to one receiver beside intake spread over 20 receivers (the hot rollup row).
bench-hotrows: install
	$(BIN)/python -m bench.hotrows

bench-delivery: install
	$(BIN)/python -m bench.delivery

# Balance and flags at 10,000 and 1,000,000 handoffs on PostgreSQL, the sizes timed in turns (about ten minutes).
bench-balance: install
	$(BIN)/python -m bench.balance

# The inbox, leads list, search and handoffs API page at 10,000 and 1,000,000 handoffs on PostgreSQL.
bench-lists: install
	$(BIN)/python -m bench.lists

# What choosing a rep adds to POST /leads: the product beside itself with assignment switched off (PostgreSQL).
bench-assignment: install
	$(BIN)/python -m bench.assignment

# A month's payout statement of 10,000 won handoffs as CSV and PDF, on PostgreSQL (under a minute).
bench-statements: install
	$(BIN)/python -m bench.statements

# Both recreate the database partnerhub_bench_load and flush Redis db 14 (docs/benchmarks.md, docs/reliability.md).
bench-load: install
	$(BIN)/python -m bench.load

bench-faults: install
	$(BIN)/python -m bench.faults

# The token endpoint's cost per request, and a flood's cost to other requests (SQLite, gunicorn).
bench-token: install
	$(BIN)/python -m bench.token

# A million-row customer list through PUT /api/v1/customers on gunicorn and PostgreSQL (about a minute).
bench-customers: install
	$(BIN)/python -m bench.customers

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
