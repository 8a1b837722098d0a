"""Async engine and sessions, and Alembic migrations run from code; `open_store(url)` does all three.

The URL comes from the caller (the settings choose it: SQLite in the data folder by default,
PostgreSQL with asyncpg in production). A PostgreSQL URL may carry `?search_path=SCHEMA` (the tests
use a schema of their own); make_engine turns it into the connection's search_path, so always build
engines through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.migrations import MIGRATIONS, head_revision


def _split_search_path(url: str) -> tuple[URL, str | None]:
    u = make_url(url)
    schema = u.query.get("search_path")
    if isinstance(schema, tuple):
        schema = schema[0]
    if schema is not None:
        u = u.difference_update_query(["search_path"])
    return u, schema


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`. SQLite gets foreign keys on, WAL and a busy timeout, so a bot and
    an ingest can share the file."""
    u, schema = _split_search_path(url)
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args.setdefault("timeout", 30)
        engine = create_async_engine(u, connect_args=connect_args, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if u.database and u.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if schema:
        settings = dict(connect_args.get("server_settings", {}))
        settings["search_path"] = schema
        connect_args["server_settings"] = settings
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(u, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, whose changes to reports and
    agencies are counted for `engine` (storage.changes: the answers' cache watches the count)."""
    from storage.changes import watched_session_class

    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=watched_session_class())


def alembic_config(url: str) -> Any:
    """The Alembic configuration of the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade_on(connection: Connection, cfg: Any, revision: str) -> None:
    from alembic import command

    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _current_revision(connection: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest). A database already at the
    newest revision costs one query (Alembic is not even imported): every command and the bot start
    by calling this (through open_store)."""
    engine = make_engine(url)
    try:
        await _upgrade(engine, url, revision)
    finally:
        await engine.dispose()


async def _upgrade(engine: AsyncEngine, url: str, revision: str) -> None:
    if revision == "head" and (head := head_revision()) is not None:
        async with engine.connect() as conn:
            if await conn.run_sync(_current_revision) == head:
                return
    cfg = alembic_config(url)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_on, cfg, revision)


@dataclass(frozen=True)
class Store:
    """An open store: its engine and its sessions. `async with` (or `close()`) disposes the engine."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def open_store(url: str) -> Store:
    """The store at `url`, its migrations applied: what every command and the bot start with."""
    engine = make_engine(url)
    try:
        await _upgrade(engine, url, "head")
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine, make_sessionmaker(engine))
