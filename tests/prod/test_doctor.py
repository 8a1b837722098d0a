"""`nianbao doctor` on a good and a bad configuration: plain words, exit 0 / 1."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.settings import LOCAL_TOKEN
from localapi import BotAPIServer
from storage.db import upgrade
from tests.e2e.test_redis_state import REDIS_URL, SKIP

ROOT = Path(__file__).resolve().parents[2]
OCR_LINE = ("✓ ocr: PP-OCRv6 models found in the rapidocr package (scans of up to 20 pages)"
            if __import__("reports.readers.ocr_model", fromlist=["installed"]).installed()
            else "– ocr: not installed: scanned reports without a text layer get `no-text-layer`")


async def _doctor(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.commands", "doctor", cwd=tmp_path, env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert err.decode() == ""
    return proc.returncode or 0, out.decode().splitlines()


async def test_a_good_configuration(tmp_path: Path) -> None:
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    db = tmp_path / "n.db"
    await upgrade(f"sqlite+aiosqlite:///{db}")
    env = {"NIANBAO_API_BASE": server.base_url, "NIANBAO_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    if not SKIP:
        env["NIANBAO_REDIS_URL"] = str(REDIS_URL)
    try:
        code, lines = await _doctor(tmp_path, **env)
    finally:
        await server.stop()
    from storage.db import alembic_config

    head = __import__("alembic.script", fromlist=["ScriptDirectory"]).ScriptDirectory.from_config(
        alembic_config(env["NIANBAO_DATABASE_URL"])).get_current_head()
    assert lines[0] == "✓ settings: valid (long polling, 2 parser workers, language zh)"
    assert lines[1] == f"✓ database: sqlite+aiosqlite:///{db} reachable, migrations up to date ({head})"
    assert lines[2].startswith("✓ redis: 127.0.0.1:6379/0 answers" if not SKIP else "– redis: not configured")
    assert lines[3] == f"✓ bot api: {server.base_url}: the bot is @nianbao_bot (id 100000001)"
    assert lines[4:] == ["✓ font: Noto Sans SC found (table pictures)",
                         OCR_LINE, "Ready."]
    assert code == 0


async def test_a_bad_configuration(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    await upgrade(f"sqlite+aiosqlite:///{old}", "0003")
    code, lines = await _doctor(
        tmp_path, NIANBAO_BOT_TOKEN="123:wrong", NIANBAO_DATABASE_URL=f"sqlite+aiosqlite:///{old}",
        NIANBAO_REDIS_URL="redis://127.0.0.1:1/0", NIANBAO_API_BASE="http://127.0.0.1:1",
        NIANBAO_WEBHOOK_URL="http://bot.example.org/webhook",
    )
    assert code == 1
    assert lines[0] == "✗ settings: NIANBAO_WEBHOOK_URL is not https:// (Telegram only posts to HTTPS)"
    assert lines[1].startswith(f"✗ database: sqlite+aiosqlite:///{old} is at migration 0003, the newest is 0")
    assert lines[1].endswith(": run `nianbao db upgrade`")
    assert lines[2].startswith("✗ redis: ConnectionError: ")
    assert lines[3] == "✗ bot api: no answer within 10 s" or lines[3].startswith("✗ bot api: TelegramNetworkError: ")
    assert lines[-1] == "4 problem(s)."


async def test_settings_that_do_not_parse(tmp_path: Path) -> None:
    code, lines = await _doctor(tmp_path, NIANBAO_PARSE_WORKERS="many")
    assert code == 1
    assert lines[0] == ("✗ settings: not valid — NIANBAO_PARSE_WORKERS: Input should be a valid integer, "
                        "unable to parse string as an integer")
