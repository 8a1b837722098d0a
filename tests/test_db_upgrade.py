"""Every command starts by bringing the database to the newest migration; one that is already there
costs a query, not Alembic (a start-up cost of every `nianbao` process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.db import alembic_config, head_revision, upgrade

ROOT = Path(__file__).resolve().parents[1]


def test_head_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def test_a_current_database_skips_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    code = ("import asyncio, sys\nfrom storage.db import upgrade\nasyncio.run(upgrade(sys.argv[1]))\n"
            "print('alembic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert first.stdout.strip() == "True", first.stderr  # a new database: the migrations run
    again = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert again.stdout.strip() == "False", again.stderr
    await upgrade(url)  # and in-process, a no-op
