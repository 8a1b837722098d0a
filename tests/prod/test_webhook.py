"""The webhook server: a retried delivery is answered once (claims in memory, or in Redis shared by
replicas), /healthz and /metrics."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web

from bot.entry import create_webhook_app
from bot.factory import create_bot, create_dispatcher
from bot.settings import LOCAL_TOKEN, Settings
from localapi import BotAPIServer, LocalClient
from reports.runner import Checker
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.e2e.test_redis_state import REDIS_URL, SKIP

SECRET = "s3cret-token"


def _update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "u"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "u", "language_code": "en"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else [],
    }}


class Hook:
    def __init__(self, server: BotAPIServer, url: str, http: ClientSession, redis: bool) -> None:
        self.server, self.url, self.http, self.redis = server, url, http, redis

    async def post(self, update: dict[str, Any]) -> int:
        async with self.http.post(self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
            await r.read()
            return r.status

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url.replace("/webhook", path)) as r:
            return r.status, await r.text()


@pytest.fixture(params=["memory", "redis"])
async def hook(request: pytest.FixtureRequest, tmp_path: Path, checker: Checker) -> AsyncIterator[Hook]:
    extra: dict[str, Any] = {}
    prefix = f"nianbao-test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        if SKIP:
            pytest.skip(SKIP)
        extra = {"redis_url": REDIS_URL, "redis_prefix": prefix}
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    await upgrade(url)
    engine = make_engine(url)
    settings = Settings(_env_file=None, api_base=server.base_url, database_url=url,  # type: ignore[call-arg]
                        webhook_url="http://127.0.0.1:1/webhook", throttle_rate=0, **extra)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, make_sessionmaker(engine), checker=checker, reminders=False)
    runner = web.AppRunner(create_webhook_app(settings, bot, dp, SECRET))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with ClientSession() as http:
            yield Hook(server, f"http://127.0.0.1:{port}/webhook", http, request.param == "redis")
    finally:
        await runner.cleanup()
        await engine.dispose()
        await server.stop()
        if request.param == "redis":
            import redis.asyncio as aioredis

            r = aioredis.Redis.from_url(REDIS_URL)
            keys = [k async for k in r.scan_iter(f"{prefix}:*")]
            if keys:
                await r.delete(*keys)
            await r.aclose()


async def test_a_retried_delivery_is_answered_once(hook: Hook) -> None:
    c = LocalClient(hook.server)
    u = c.user(71, language_code="en")
    chat = c.private(u)
    since = c.mark()
    update = _update(5001, chat.id, "/lang en")
    assert [await hook.post(update) for _ in range(3)] == [200, 200, 200]
    await c.settle(0.5)
    assert [e.message.text for e in c.events(since, chat, "send") if e.message] == ["Language set to English."]
    # another update is answered
    assert await hook.post(_update(5002, chat.id, "/lang zh")) == 200
    await c.settle(0.5)
    assert [e.message.text for e in c.events(since, chat, "send") if e.message][1:] == ["已切换为中文。"]


async def test_healthz_and_metrics(hook: Hook) -> None:
    status, body = await hook.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", **({"redis": "ok"} if hook.redis else {})}
    c = LocalClient(hook.server)
    chat = c.private(c.user(72, language_code="en"))
    update = _update(6001, chat.id, "/help")
    await hook.post(update)
    await hook.post(update)
    status, text = await hook.get("/metrics")
    assert status == 200
    lines = {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines() if ln and not ln.startswith("#")}
    assert lines['nianbao_updates_total{kind="text"}'] >= 1
    assert lines["nianbao_updates_duplicate_total"] >= 1
    assert lines["nianbao_job_queue_depth"] == 0.0
    assert lines["nianbao_jobs_running"] == 0.0
    assert lines["nianbao_reply_seconds_count"] >= 1
    assert "nianbao_parse_seconds" in text and "nianbao_reminders_total" in text


def test_env_lists_every_setting() -> None:
    """.env.example documents every field of bot/settings.py."""
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0].lstrip("# ").strip() for line in example.splitlines() if "=" in line}
    assert {f"NIANBAO_{f.upper()}" for f in Settings.model_fields} - names == set()


async def test_a_question_is_answered_in_the_response_once(hook: Hook) -> None:
    """The answer rides in the 200's body (Telegram runs it once); a retry gets the same body, and
    no second answer is made through the API."""
    c = LocalClient(hook.server)
    u = c.user(73, language_code="en")
    chat = c.private(u)
    msg = await c.send_text(u, chat, "新乡市工业和信息化局2023年收到多少申请？")
    update = hook.server._updates.pop()  # no webhook set: this test plays Telegram
    bodies = []
    for _ in range(2):
        async with hook.http.post(hook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
            assert r.status == 200
            bodies.append(await r.read())
    assert bodies[0] == bodies[1]
    answer = json.loads(bodies[0])
    assert (answer["method"], answer["chat_id"], answer["reply_parameters"]["message_id"]) == (
        "sendMessage", chat.id, msg["message_id"])
    assert hook.server.calls.get("sendmessage", 0) == 0
    await hook.server._webhook_reply(bodies[0])  # as Telegram runs it
    assert [m.reply_to for m in c.messages(chat)] == [msg["message_id"]]


async def test_a_claim_under_way_is_renewed_and_a_dead_ones_lapses() -> None:
    from bot.webhook import MemoryDedup

    d = MemoryDedup(lease=1)
    assert await d.claim(1) == ("new", b"")
    await asyncio.sleep(0.6)
    await d.renew(1)
    await asyncio.sleep(0.6)
    assert await d.claim(1) == ("busy", b"")  # renewed: still held
    await asyncio.sleep(1.1)
    assert await d.claim(1) == ("new", b"")  # not renewed (its process died): handled anew
    await d.done(1, b"{}")
    await d.renew(1)  # a late renewal leaves a done mark alone
    assert await d.claim(1) == ("done", b"{}")


async def test_a_claim_in_redis_is_renewed_only_while_busy() -> None:
    if SKIP:
        pytest.skip(SKIP)
    from bot.webhook import RedisDedup

    d = RedisDedup(str(REDIS_URL), f"nianbao-test-{uuid.uuid4().hex[:12]}", ttl=60, lease=2)
    try:
        assert await d.claim(1) == ("new", b"")
        await d.renew(1)
        assert 1 < await d.redis.ttl(d._key(1)) <= 2
        await d.done(1, b'{"method": "sendMessage"}')
        await d.renew(1)
        assert await d.redis.ttl(d._key(1)) > 50  # the done mark keeps its own expiry
        assert await d.claim(1) == ("done", b'{"method": "sendMessage"}')
    finally:
        await d.redis.delete(d._key(1))
        await d.close()
