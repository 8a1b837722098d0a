"""`nianbao db upgrade [--database-url URL] [--revision REV]`: apply the migrations (storage.db.upgrade)."""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import Basics


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao db", description="Manage the Nianbao database.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="apply every pending migration")
    up.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: NIANBAO_DATABASE_URL or SQLite)")
    up.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    from sqlalchemy.engine import make_url

    from storage.db import upgrade

    url = Basics.from_env().db_url(args.database_url)
    asyncio.run(upgrade(url, args.revision))
    print(f"database upgraded to {args.revision}: {make_url(url).render_as_string(hide_password=True)}")
    return 0
