"""Conversation state in Redis: a /remind set-up begun with one bot process is finished with another
(a restart, or a second process behind a webhook). Needs a Redis server: NIANBAO_TEST_REDIS_URL
(CI: redis://127.0.0.1:6379/0); skipped when unset or unreachable."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from bot.factory import create_bot, create_dispatcher
from reports.runner import Checker
from tests.e2e.conftest import Harness, start_harness, stop_harness
from tests.e2e.test_reminders_e2e import press

REDIS_URL = os.environ.get("NIANBAO_TEST_REDIS_URL")


def _reachable(url: str | None) -> str | None:
    if not url:
        return "NIANBAO_TEST_REDIS_URL is not set: Redis tests skipped"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as e:  # any connection failure means: no server here
        return f"Redis at {url} is not reachable ({type(e).__name__}): Redis tests skipped"
    return None


SKIP = _reachable(REDIS_URL)
needs_redis = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")


async def _restart(h: Harness, checker: Checker) -> None:
    """Stop this bot process and start another one on the same database and Bot API server."""
    stopping = asyncio.create_task(h.dp.stop_polling())
    await asyncio.sleep(0)
    await h.server.wake()
    await stopping
    await asyncio.wait_for(h.task, 15)  # type: ignore[attr-defined]
    h.bot = create_bot(h.settings)
    h.dp = create_dispatcher(h.settings, h.sessionmaker, checker=checker)
    polls = h.server.calls.get("getupdates", 0)
    h.task = asyncio.create_task(h.dp.start_polling(h.bot, handle_signals=False, polling_timeout=5))  # type: ignore[attr-defined]
    await h.client.wait_for(lambda: h.server.calls.get("getupdates", 0) > polls, 30, "the new bot to poll")


async def _setup_across_restart(tmp_path: Path, checker: Checker, **settings: object) -> str:
    h = await start_harness(tmp_path, checker, throttle_rate=0, **settings)
    try:
        c = h.client
        user = c.user(401)
        chat = c.private(user)
        msg = await c.ask(user, chat, "/remind")
        await press(h, user, chat, msg, "rm:role:department")
        assert msg.text == "提前几天提醒？点按切换，选好后点“下一步”。"
        await _restart(h, checker)
        since = c.mark()
        qid = await c.press_button(user, msg, "rm:off:next")
        alert = await c.callback_answer(qid)
        await c.settle()
        edits = c.events(since, chat, "edit")
        return msg.text if edits else f"alert: {alert.get('text')}"
    finally:
        await stop_harness(h)


@needs_redis
async def test_a_conversation_survives_a_restart_with_redis(tmp_path: Path, checker: Checker) -> None:
    import redis.asyncio as aioredis

    prefix = f"nianbao-test-{uuid.uuid4().hex[:12]}"
    try:
        assert await _setup_across_restart(tmp_path, checker, redis_url=REDIS_URL, redis_prefix=prefix) == (
            "每次几点提醒？（Asia/Shanghai）")
        r = aioredis.Redis.from_url(REDIS_URL)
        assert [k async for k in r.scan_iter(f"{prefix}:*")] != []  # the draft was kept in Redis
    finally:
        r = aioredis.Redis.from_url(REDIS_URL)
        keys = [k async for k in r.scan_iter(f"{prefix}:*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()


async def test_without_redis_the_same_restart_loses_the_draft(tmp_path: Path, checker: Checker) -> None:
    assert await _setup_across_restart(tmp_path, checker) == "alert: 这个设置已过期，请重新发送 /remind。"
