"""How the question path reads the store: SQL text, run on a session (the bot, the tests) or
straight on the database driver (`nianbao ask`, which then never loads SQLAlchemy: importing it
and the ORM costs a fresh process ~0.4 s, more than answering).

The readers (storage.answers, storage.aliases' resolution, storage.totals) write their statements
as SQL text with `:name` parameters, the same on SQLite and PostgreSQL except for list parameters:
`Reader.lst` gives an array on PostgreSQL (`CAST(:p AS INTEGER[])`) and a JSON array on SQLite
(`json_each(:p)`), so a statement's text never changes with a list's length. Values come back as
the driver gives them: booleans as 0/1 on SQLite, JSON columns as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def list_param(dialect: str, values: Sequence[Any]) -> Any:
    """The value of a list parameter: an array on PostgreSQL, a JSON array (read by json_each) on
    SQLite (storage.sql's in_param and Reader.in_list take it)."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values), ensure_ascii=False)


class Reader:
    """Runs SQL text. `key` identifies the database for caches (the engine: weakly referenced);
    `generation()` counts this process's own changes to it (storage.changes)."""

    dialect: str
    key: Any

    async def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def generation(self) -> int:
        return 0

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def lst(self, values: Sequence[Any]) -> Any:
        """A list parameter: an array on PostgreSQL, a JSON array on SQLite."""
        return list_param(self.dialect, values)

    def in_list(self, column: str, name: str, item: str = "VARCHAR") -> str:
        """SQL for `column` in the list parameter `name` (items of SQL type `item` on PostgreSQL)."""
        if self.postgres:
            return f"{column} = ANY(CAST(:{name} AS {item}[]))"
        return f"{column} IN (SELECT value FROM json_each(:{name}))"

    def in_ints(self, column: str, name: str, values: Sequence[int], params: dict[str, Any]) -> str:
        """SQL for `column` among the integers `values` (none: false), its parameter put in `params`.
        One value is an equality, so that an index ordered after the column still gives its order."""
        if not values:
            return "1 = 0"
        if len(values) == 1:
            params[name] = values[0]
            return f"{column} = :{name}"
        params[name] = self.lst(values)
        return self.in_list(column, name, "INTEGER")

    async def one(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        rows = await self.all(sql, params)
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return rows[0]

    async def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        rows = await self.all(sql, params)
        return rows[0][0] if rows else None


class SessionReader(Reader):
    """SQL text on an AsyncSession (inside its transaction)."""

    _TEXT: dict[str, Any] = {}  # sql -> sqlalchemy text(), built once

    def __init__(self, session: Any) -> None:
        self.session = session
        bind = session.bind
        self.key = bind.sync_engine if hasattr(bind, "sync_engine") else bind
        self.dialect = bind.dialect.name

    async def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        stmt = self._TEXT.get(sql)
        if stmt is None:
            from sqlalchemy import text  # loaded already wherever a session exists

            stmt = self._TEXT[sql] = text(sql)
        return [tuple(r) for r in (await self.session.execute(stmt, dict(params or {}))).all()]

    def generation(self) -> int:
        from storage.changes import generation

        return generation(self.key)


def reader(db: Any) -> Reader:
    """`db` as a Reader: itself, or an AsyncSession wrapped."""
    return db if isinstance(db, Reader) else SessionReader(db)


# ---------------------------------------------------------------- straight on the driver

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class DriverReader(Reader):
    """SQL text on the driver itself: sqlite3, or asyncpg. Read only; open() gives None when the
    store is not there or not at the newest migration (the caller then opens it the usual way,
    which creates or upgrades it)."""

    def __init__(self, dialect: str, conn: Any) -> None:
        self.dialect, self.conn, self.key = dialect, conn, self
        self._sql: dict[str, tuple[str, list[str]]] = {}

    @classmethod
    async def open(cls, url: str) -> DriverReader | None:
        from storage.migrations import head_revision

        scheme, _, rest = url.partition("://")
        backend = scheme.split("+")[0]
        head = head_revision()
        if head is None:
            return None
        if backend == "sqlite":
            import sqlite3

            path = rest[1:] if rest.startswith("/") else rest
            if not path or path.startswith(":memory:") or path.startswith("file:") or "?" in path:
                return None
            if not Path(path).is_file():
                return None
            conn = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True, timeout=30)
            out: DriverReader = cls("sqlite", conn)
        elif backend == "postgresql" and scheme in ("postgresql", "postgresql+asyncpg"):
            import asyncpg

            dsn, schema = _pg_dsn(url)
            settings = {"search_path": schema} if schema else {}
            out = cls("postgresql", await asyncpg.connect(dsn, server_settings=settings, timeout=30))
        else:
            return None
        try:
            version = await out.scalar("SELECT version_num FROM alembic_version")
        except Exception:  # noqa: BLE001 - no such table: a store never migrated
            version = None
        if version != head:
            await out.close()
            return None
        return out

    def _prepared(self, sql: str) -> tuple[str, list[str]]:
        got = self._sql.get(sql)
        if got is None:
            names: list[str] = []

            def number(m: re.Match[str]) -> str:
                if m.group(1) not in names:
                    names.append(m.group(1))
                return f"${names.index(m.group(1)) + 1}"

            got = self._sql[sql] = (_PARAM.sub(number, sql), names)
        return got

    async def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        params = params or {}
        if self.dialect == "sqlite":
            return self.conn.execute(sql, dict(params)).fetchall()
        text, names = self._prepared(sql)
        return [tuple(r) for r in await self.conn.fetch(text, *(params[n] for n in names))]

    async def close(self) -> None:
        if self.dialect == "sqlite":
            self.conn.close()
        else:
            await self.conn.close()


def _pg_dsn(url: str) -> tuple[str, str | None]:
    """asyncpg's DSN for a SQLAlchemy PostgreSQL URL, and its `search_path` query parameter (which
    storage.db.make_engine makes the connection's search path)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "search_path"), None)
    rest = urlencode([(k, v) for k, v in query if k != "search_path"])
    return urlunsplit(("postgresql", parts.netloc, parts.path, rest, parts.fragment)), schema
