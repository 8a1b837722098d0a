"""Database URL, async engine and sessions, and Alembic migrations run from code.

SQLite (aiosqlite) in the data folder by default; PostgreSQL (asyncpg) when NIANBAO_DATABASE_URL
names it. A PostgreSQL URL may carry `?search_path=SCHEMA` (the tests use a schema of their own);
make_engine turns it into the connection's search_path, so always build engines through it.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(explicit: str | None = None) -> str:
    """The database to use: `explicit`, else NIANBAO_DATABASE_URL, else a SQLite file
    nianbao.db in NIANBAO_DATA_DIR (default ./data), whose folder is created here."""
    if explicit:
        return explicit
    env = os.environ.get("NIANBAO_DATABASE_URL")
    if env:
        return env
    folder = Path(os.environ.get("NIANBAO_DATA_DIR") or "data")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(folder / 'nianbao.db').resolve()}"


def _split_search_path(url: str) -> tuple[URL, str | None]:
    u = make_url(url)
    schema = u.query.get("search_path")
    if isinstance(schema, tuple):
        schema = schema[0]
    if schema is not None:
        u = u.difference_update_query(["search_path"])
    return u, schema


def make_engine(url: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (default: database_url()). SQLite gets foreign keys on,
    WAL and a busy timeout, so a bot and an ingest can share the file."""
    u, schema = _split_search_path(database_url(url))
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


def alembic_config(url: str | None = None) -> Any:
    """The Alembic configuration of the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def _upgrade_on(connection: Connection, cfg: Any, revision: str) -> None:
    from alembic import command

    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*['\"]?([\w.-]+|None)['\"]?", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the migration files' revision lines without loading Alembic
    (None when the chain has not exactly one head: Alembic then decides)."""
    revs: set[str] = set()
    downs: set[str] = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((k, v) for k, v in _REVISION.findall(f.read_text(encoding="utf-8")))
        if "revision" in found:
            revs.add(found["revision"])
            if found.get("down_revision", "None") != "None":
                downs.add(found["down_revision"])
    heads = revs - downs
    return heads.pop() if len(heads) == 1 else None


def _current_revision(connection: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


async def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest). A database already at the
    newest revision costs one query (Alembic is not even imported): every command and the bot start
    by calling this."""
    engine = make_engine(url)
    try:
        if revision == "head" and (head := head_revision()) is not None:
            async with engine.connect() as conn:
                if await conn.run_sync(_current_revision) == head:
                    return
        cfg = alembic_config(url)
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_on, cfg, revision)
    finally:
        await engine.dispose()


def db_main(argv: list[str]) -> int:
    """`nianbao db upgrade [--database-url URL]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="nianbao db", description="Manage the Nianbao database.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="apply every pending migration")
    up.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: NIANBAO_DATABASE_URL or SQLite)")
    up.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    url = database_url(args.database_url)
    asyncio.run(upgrade(url, args.revision))
    print(f"database upgraded to {args.revision}: {make_url(url).render_as_string(hide_password=True)}")
    return 0
