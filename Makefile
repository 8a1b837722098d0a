# Nianbao — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLES ?= ../shared/samples

.PHONY: install lock test demo bench lint fixtures clean

LOCK := requirements.lock

# Exactly the locked versions, checked against their hashes; then the project itself, without
# touching them (setuptools, its build backend, comes from the lock too). The checkout goes on the
# path by a plain .pth entry (compat mode): an editable finder costs every process ~20 ms at start.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	@touch $(STAMP)

install: $(STAMP)

# Update the lock on purpose: the newest versions that pyproject.toml allows, with their hashes
# for every platform. Run the tests before committing the new lock.
lock:
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check 'uv>=0.5'
	printf 'setuptools>=77\n' | $(BIN)/uv pip compile pyproject.toml - --extra test --extra ocr --universal \
		--python-version 3.11 --generate-hashes --no-header -q -o $(LOCK)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/nianbao demo $(SAMPLES)

bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

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
