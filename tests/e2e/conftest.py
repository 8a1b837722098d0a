"""The end-to-end harness: the local Bot API server, a migrated SQLite store, and the real bot
(aiogram's Dispatcher long-polling over HTTP on 127.0.0.1), driven by LocalClient users."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher
from bot.settings import LOCAL_TOKEN, Settings
from localapi import BotAPIServer, LocalClient
from reports.runner import Checker
from storage.db import make_engine, make_sessionmaker, upgrade

ADMIN_ID = 900001
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


@dataclass
class Harness:
    server: BotAPIServer
    client: LocalClient
    bot: Bot
    dp: Dispatcher
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


@pytest.fixture(scope="session")
def checker() -> Iterator[Checker]:
    c = Checker(workers=2, timeout=30)
    yield c
    c.close()


async def start_harness(
    tmp_path: Path, checker: Checker, *, routers: tuple[Router, ...] = (), **settings: Any
) -> Harness:
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'nianbao.db'}"
    await upgrade(url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    values: dict[str, Any] = {"api_base": server.base_url, "database_url": url, "data_dir": tmp_path,
                              "admins": [ADMIN_ID], **settings}
    s = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    bot = create_bot(s)
    dp = create_dispatcher(s, sm, checker=checker)
    for r in routers:
        dp.include_router(r)
    h = Harness(server, LocalClient(server), bot, dp, s, engine, sm)
    h.task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))  # type: ignore[attr-defined]
    # Ready once the bot is polling.
    await h.client.wait_for(lambda: server.calls.get("getupdates"), 30, "the bot to start polling")
    return h


async def stop_harness(h: Harness) -> None:
    stopping = asyncio.create_task(h.dp.stop_polling())
    await asyncio.sleep(0)
    await h.server.wake()  # end the pending long poll instead of waiting for its timeout
    await stopping
    await asyncio.wait_for(h.task, 15)  # type: ignore[attr-defined]
    await h.bot.session.close()
    await h.engine.dispose()
    await h.server.stop()


@pytest.fixture
async def harness(tmp_path: Path, checker: Checker) -> AsyncIterator[Harness]:
    h = await start_harness(tmp_path, checker)
    try:
        yield h
    finally:
        await stop_harness(h)


@pytest.fixture
async def quiet(tmp_path: Path, checker: Checker) -> AsyncIterator[Harness]:
    """The bot without throttling, for conversations of many messages in a row."""
    h = await start_harness(tmp_path, checker, throttle_rate=0)
    try:
        yield h
    finally:
        await stop_harness(h)
