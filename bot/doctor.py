"""`nianbao doctor`: is this installation ready to run the bot? Each part is checked and said in
plain words: the settings, the database (reachable, migrations up to date), Redis, the Bot API
(getMe), the picture font and OCR. Exit 0 when nothing is wrong, 1 otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TextIO

TIMEOUT = 10.0  # seconds for each network check


@dataclass
class Result:
    name: str
    ok: bool | None  # None: not configured / not installed, which is not an error
    text: str

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "–"}[self.ok]
        return f"{mark} {self.name}: {self.text}"


def _settings() -> tuple[Any, Result]:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        s = Settings()
    except ValidationError as e:
        problems = "; ".join(f"NIANBAO_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                             for err in e.errors())
        return None, Result("settings", False, f"not valid — {problems}")
    notes = []
    if s.bot_token is None and s.api_base is None:
        return s, Result("settings", False, "NIANBAO_BOT_TOKEN is not set (only `nianbao try` works without it)")
    if s.webhook_url and not s.webhook_url.startswith("https://"):
        notes.append("NIANBAO_WEBHOOK_URL is not https:// (Telegram only posts to HTTPS)")
    if s.webhook_secret is not None:
        import re

        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", s.webhook_secret.get_secret_value()):
            notes.append("NIANBAO_WEBHOOK_SECRET may hold only letters, digits, _ and - (1 to 256)")
    if notes:
        return s, Result("settings", False, "; ".join(notes))
    mode = "webhook " + s.webhook_url if s.webhook_url else "long polling"
    return s, Result("settings", True, f"valid ({mode}, {s.parse_workers} parser workers, language {s.language})")


async def _bounded(name: str, check: Awaitable[Result]) -> Result:
    try:
        return await asyncio.wait_for(check, TIMEOUT)
    except TimeoutError:
        return Result(name, False, f"no answer within {TIMEOUT:g} s")
    except Exception as e:  # noqa: BLE001 - every failure is a line of the report
        return Result(name, False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": "))


async def _database(s: Any) -> Result:
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, make_url, text

    from storage.db import alembic_config, make_engine

    url = s.db_url()
    shown = make_url(url).render_as_string(hide_password=True)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            has = await conn.run_sync(lambda c: inspect(c).has_table("alembic_version"))
            current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar() if has else None
    finally:
        await engine.dispose()
    if current is None:
        return Result("database", False, f"{shown} is reachable but empty: run `nianbao db upgrade`")
    if current != head:
        return Result("database", False, f"{shown} is at migration {current}, the newest is {head}: "
                                         "run `nianbao db upgrade`")
    return Result("database", True, f"{shown} reachable, migrations up to date ({head})")


async def _redis(s: Any) -> Result:
    if not s.redis_url:
        return Result("redis", None, "not configured: conversation state and webhook claims stay in this "
                                     "process (fine for one bot process, not for replicas)")
    import redis.asyncio as aioredis

    r = aioredis.Redis.from_url(s.redis_url, socket_connect_timeout=5)
    try:
        await r.ping()
    finally:
        await r.aclose()
    from urllib.parse import urlsplit

    u = urlsplit(s.redis_url)
    return Result("redis", True, f"{u.hostname}:{u.port or 6379}{u.path or '/0'} answers")


async def _bot_api(s: Any) -> Result:
    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.factory import create_bot

    bot = create_bot(s)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return Result("bot api", False, "the token was refused (Unauthorized): check NIANBAO_BOT_TOKEN")
    finally:
        await bot.session.close()
    where = s.api_base or "api.telegram.org"
    return Result("bot api", True, f"{where}: the bot is @{me.username} (id {me.id})")


def _font() -> Result:
    try:
        from handlers.picture import font

        font(16)
    except Exception as e:  # noqa: BLE001
        return Result("font", False, f"the table pictures cannot be drawn: {type(e).__name__}: {e}")
    return Result("font", True, "Noto Sans SC found (table pictures)")


def _ocr(s: Any) -> Result:
    from reports.readers.ocr_model import available, installed

    if not installed():
        return Result("ocr", None, "not installed: scanned reports without a text layer get `no-text-layer`")
    reason = available()
    if reason is not None:
        return Result("ocr", False, reason)
    pages = s.ocr_max_pages if s is not None else 20
    return Result("ocr", True, f"PP-OCRv6 models found in the rapidocr package (scans of up to {pages} pages)")


async def run(out: TextIO) -> int:
    import bot.factory  # noqa: F401 - imported before the clocks of the checks start
    import storage.db  # noqa: F401

    s, settings = _settings()
    results = [settings]
    if s is not None:
        results.append(await _bounded("database", _database(s)))
        results.append(await _bounded("redis", _redis(s)))
        if s.bot_token is not None or s.api_base is not None:
            results.append(await _bounded("bot api", _bot_api(s)))
    results += [_font(), _ocr(s)]
    for r in results:
        print(r.line(), file=out)
    bad = [r for r in results if r.ok is False]
    print(f"{len(bad)} problem(s)." if bad else "Ready.", file=out)
    return 1 if bad else 0
