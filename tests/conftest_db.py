"""Database fixtures for tests (a pytest plugin, registered in tests/conftest.py).

- `db_url`: the URL of a fresh, empty database, once per backend: "sqlite" (a file in the test's
  temporary folder) and "postgres" (a schema of its own in NIANBAO_TEST_DATABASE_URL, dropped
  afterwards; skipped when that variable is unset or the server is unreachable). Build engines on
  it with storage.db.make_engine, which understands the `?search_path=` the postgres URL carries.
- `engine`: an AsyncEngine on `db_url` after the Alembic migrations ran.
- `session`: an AsyncSession on that engine.
- `sessionmaker`: the async_sessionmaker of that engine, for tests that need several sessions.

Also `make_report(...)`: a canonical report built in code (no file, no parser), for storage tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports import model as rm
from storage.db import make_engine, make_sessionmaker, upgrade

PG_ENV = "NIANBAO_TEST_DATABASE_URL"


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_exec(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The PostgreSQL server for tests, or a skip saying why there is none."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped")
    try:
        asyncio.run(_pg_exec(url, "SELECT 1"))
    except Exception as exc:  # any failure to connect means: no server to test on
        pytest.skip(f"PostgreSQL at {PG_ENV} is unreachable: {exc!r}")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("db")
        yield f"sqlite+aiosqlite:///{folder / 'nianbao.db'}"
        return
    with pg_schema(request.getfixturevalue("pg_base_url")) as url:
        yield url


@contextlib.contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """The URL of a fresh schema of its own on the PostgreSQL server at `base`, dropped afterwards."""
    base = make_url(base).difference_update_query(["search_path"]).render_as_string(hide_password=False)
    schema = f"nianbao_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(base, f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"search_path": schema}).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_exec(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(db_url)
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s



def make_report(
    agency: str | None,
    year: int | None,
    figures: dict[str, float | None] | None = None,
    *,
    tag: str = "",
    findings: list[rm.Finding] | None = None,
    file: str | None = None,
) -> rm.Report:
    """A report whose every canonical figure is 0 unless `figures` says otherwise (None = blank).
    `tag` distinguishes two files of the same agency and year (their SHA-256 differs)."""
    values: dict[str, float | None] = dict.fromkeys(rm.CANONICAL_KEYS, 0)
    values.update(figures or {})
    cells = {k: rm.Cell(v, raw="" if v is None else str(v), blank=v is None) for k, v in values.items()}
    name = file or f"{agency}-{year}{tag}.txt"
    return rm.Report(
        file=name,
        sha256=hashlib.sha256(f"{agency}|{year}|{tag}|{sorted(values.items(), key=str)}".encode()).hexdigest(),
        kind="text",
        agency=agency,
        year=year,
        format="2021",
        sections=[1, 2, 3, 4, 5, 6],
        cells=cells,
        tables_found=[2, 3, 4],
        findings=list(findings or []),
    )


def blank_warning(key: str) -> rm.Finding:
    return rm.Finding(
        code="blank-cell",
        severity="warning",
        message_zh=f"{key} 为空",
        message_en=f"{key} is blank",
        location=rm.Location(section=3, row=key.split(".")[1], column=key.rsplit(".", 1)[1], key=key),
    )


def balance_error(column: str, expected: int, actual: int) -> rm.Finding:
    return rm.Finding(
        code="column-balance",
        severity="error",
        message_zh=f"{column} 列不平衡",
        message_en=f"column {column} does not balance",
        location=rm.Location(section=3, column=column),
        expected=expected,
        actual=actual,
    )
