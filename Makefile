# lupuscare: two commands set everything up on a fresh machine.
#   make run   install, create the database, load the demo cohort, serve on http://127.0.0.1:8000
#   make test  install, run every test (unit, property, SQLite, PostgreSQL, browser)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PATIENTS ?= 100
SEED ?= 1
# PostgreSQL for the second pass of the database tests (CI requires it; see .ci/run).
PG_URL ?= postgresql://postgres@127.0.0.1:5432/lupuscare

.PHONY: install run demo test test-sqlite test-postgres test-browser lint chromium bench constraints clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The job queue's worker runs beside the web server (SQLite queue under var/, no extra server) and
# is stopped when serve exits; `jobs run-due` first sends what the demo's clocks already say is due.
run: install
	$(BIN)/lupuscare manage migrate --noinput
	$(BIN)/lupuscare demo --patients $(PATIENTS) --seed $(SEED)
	$(BIN)/lupuscare jobs run-due
	$(BIN)/lupuscare worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/lupuscare serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/lupuscare manage migrate --noinput
	$(BIN)/lupuscare demo --patients $(PATIENTS) --seed $(SEED) --reset

# Chromium for the browser tests comes from Debian (Playwright cannot download its own here).
chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/bin/chromium || { echo "error: /usr/bin/chromium is required for the browser tests" >&2; exit 1; }

test: install chromium test-sqlite test-postgres lint

lint: install
	$(BIN)/ruff check src tests benchmarks

# Every test, database tests on SQLite, browser tests included.
test-sqlite: install chromium
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadfile

# The database tests again on PostgreSQL; a missing server fails the run (never skipped).
test-postgres: install
	@$(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=5).close()" \
	  || { echo "error: PostgreSQL is not reachable at $(PG_URL); start it (see README)" >&2; exit 1; }
	LUPUSCARE_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -p no:cacheprovider -m "database and not browser"

bench: install
	@for f in benchmarks/*.py; do $(BIN)/python $$f; done

# Re-pin the lock after changing dependencies in pyproject.toml.
constraints:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^lupuscare' > requirements/constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache
