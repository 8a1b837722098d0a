"""Throttling shared by replicas through Redis: a user's bucket is one, whichever process gets the message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.types import Chat, Message, User

from bot.factory import create_bot
from bot.settings import LOCAL_TOKEN, Settings
from bot.shared_throttle import RedisThrottlingMiddleware
from localapi import BotAPIServer, LocalClient
from tests.e2e.test_redis_state import REDIS_URL, SKIP


@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
async def test_two_replicas_share_a_users_bucket() -> None:
    import redis.asyncio as aioredis

    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    prefix = f"nianbao-test-{uuid.uuid4().hex[:12]}"
    replicas = [RedisThrottlingMiddleware(str(REDIS_URL), prefix, rate=30, burst=5) for _ in range(2)]
    bot = create_bot(Settings(_env_file=None, api_base=server.base_url))  # type: ignore[call-arg]
    try:
        c = LocalClient(server)
        u = c.user(81, language_code="en")
        chat = c.private(u)
        handled: list[int] = []

        async def handler(event: Any, data: dict[str, Any]) -> None:
            handled.append(event.message_id)

        for i in range(8):  # alternately to either replica
            msg = Message(message_id=i, date=datetime.now(UTC), chat=Chat(id=chat.id, type="private"),
                          from_user=User(id=u.id, is_bot=False, first_name="u"), text=f"q{i}")
            await replicas[i % 2](handler, msg, {"bot": bot, "lang": "en"})
        assert handled == [0, 1, 2, 3, 4]  # the burst of 5, shared; then refused
        await c.settle(0.3)
        notices = [e.message.text for e in c.events(0, chat, "send") if e.message]
        assert notices == ["Too many messages at once; please wait a few seconds."]  # one notice, then quiet
    finally:
        await bot.session.close()
        await server.stop()
        r = aioredis.Redis.from_url(str(REDIS_URL))
        keys = [k async for k in r.scan_iter(f"{prefix}:*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()
        for m in replicas:
            await m.redis.aclose()
