"""Alembic migrations of the Nianbao store (run them with storage.db.upgrade or `nianbao db upgrade`),
and their newest revision read without Alembic or SQLAlchemy (storage.db, storage.reader)."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).parent

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
