# Nianbao — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLES ?= ../shared/samples

.PHONY: install test demo bench lint fixtures clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/nianbao demo $(SAMPLES)

bench: $(STAMP)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .

fixtures: $(STAMP)
	$(BIN)/python tests/fixtures/make_fixtures.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache data

# The whole suite on SQLite, then again on PostgreSQL + Redis where they answer on 127.0.0.1
# (db `test`, trust auth; Redis db 0): the tests that need them skip otherwise.
TEST_PG ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
TEST_REDIS ?= redis://127.0.0.1:6379/0
.PHONY: test-all
test-all: $(STAMP)
	env -u NIANBAO_TEST_DATABASE_URL -u NIANBAO_TEST_REDIS_URL $(BIN)/python -m pytest -q
	@if $(BIN)/python -c "import socket,sys; [socket.create_connection(('127.0.0.1', p), 2).close() for p in (5432, 6379)]" 2>/dev/null; then \
		NIANBAO_TEST_DATABASE_URL=$(TEST_PG) NIANBAO_TEST_REDIS_URL=$(TEST_REDIS) $(BIN)/python -m pytest -q; \
	else echo "test-all: PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) not reachable: only SQLite was tested"; fi
