"""The webhook server's parts: update de-duplication, /healthz and /metrics.

Telegram retries a delivery it got no 200 for (a timeout, a replica killed half-way), and the
retry may reach another replica. Each update_id is claimed before it is handled ("busy", with a
short lease) and marked "done" after (kept `ttl` seconds): a retry of a done update gets 200 and
is dropped, a retry while the first delivery is still being handled gets 503 (Telegram tries
again later), and the claim of a replica that died lapses with its lease. The claims live in Redis
when NIANBAO_REDIS_URL is set (shared by the replicas), else in this process's memory.

The handler answers Telegram only when the update's handler has returned: a document is then
already a job row in the database (handlers.jobs), so no accepted file depends on this process.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import text

from bot import metrics

log = logging.getLogger(__name__)

Claim = Literal["new", "busy", "done"]
BUSY_LEASE = 30  # seconds a claim holds without being marked done (a handler takes well under 1 s)


class MemoryDedup:
    def __init__(self, ttl: int = 86400, lease: int = BUSY_LEASE) -> None:
        self.ttl, self.lease = ttl, lease
        self._seen: dict[int, tuple[str, float]] = {}

    async def claim(self, update_id: int) -> Claim:
        now = time.monotonic()
        hit = self._seen.get(update_id)
        if hit is not None and hit[1] > now:
            return "done" if hit[0] == "done" else "busy"
        if len(self._seen) > 200_000:
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
        self._seen[update_id] = ("busy", now + self.lease)
        return "new"

    async def done(self, update_id: int) -> None:
        self._seen[update_id] = ("done", time.monotonic() + self.ttl)

    async def release(self, update_id: int) -> None:
        self._seen.pop(update_id, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisDedup:
    def __init__(self, url: str, prefix: str, ttl: int = 86400, lease: int = BUSY_LEASE) -> None:
        import redis.asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url)
        self.prefix, self.ttl, self.lease = prefix, ttl, lease

    def _key(self, update_id: int) -> str:
        return f"{self.prefix}:update:{update_id}"

    async def claim(self, update_id: int) -> Claim:
        if await self.redis.set(self._key(update_id), b"busy", nx=True, ex=self.lease):
            return "new"
        state = await self.redis.get(self._key(update_id))
        if state is None:  # lapsed between the two calls
            return await self.claim(update_id)
        return "done" if state == b"done" else "busy"

    async def done(self, update_id: int) -> None:
        await self.redis.set(self._key(update_id), b"done", ex=self.ttl)

    async def release(self, update_id: int) -> None:
        await self.redis.delete(self._key(update_id))

    async def ping(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()


def make_dedup(settings: Any) -> MemoryDedup | RedisDedup:
    if settings.redis_url:
        return RedisDedup(settings.redis_url, settings.redis_prefix, settings.dedup_ttl)
    return MemoryDedup(settings.dedup_ttl)


class DedupRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler, answering after the handler (not in the background), once per update_id."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, dedup: MemoryDedup | RedisDedup, **kw: Any) -> None:
        super().__init__(dispatcher=dispatcher, bot=bot, handle_in_background=False, **kw)
        self.dedup = dedup

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            update = await request.json(loads=bot.session.json_loads)
        except ValueError:
            return web.Response(status=400, text="not JSON")
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int):
            return web.Response(status=400, text="no update_id")
        claim = await self.dedup.claim(update_id)
        if claim == "done":
            metrics.DUPLICATES.inc()
            return web.Response()
        if claim == "busy":
            return web.Response(status=503, text="being handled")
        try:
            result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        except BaseException:
            await self.dedup.release(update_id)
            raise
        await self.dedup.done(update_id)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def add_health_routes(app: web.Application, dp: Dispatcher, dedup: MemoryDedup | RedisDedup) -> None:
    """/healthz: 200 when the database (and Redis, if configured) answer, else 503 with what failed.
    /metrics: Prometheus text format."""

    async def healthz(request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with dp["sessionmaker"]() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as e:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"error: {type(e).__name__}"
        if isinstance(dedup, RedisDedup):
            try:
                await dedup.ping()
                checks["redis"] = "ok"
            except Exception as e:  # noqa: BLE001
                checks["redis"] = f"error: {type(e).__name__}"
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "error", **checks}
        return web.Response(status=200 if ok else 503, text=json.dumps(body), content_type="application/json")

    async def metrics_view(request: web.Request) -> web.Response:
        checker, jobs = dp.workflow_data.get("checker"), dp.workflow_data.get("jobs")
        if checker is not None:
            metrics.QUEUE.set(checker.queued)
        if jobs is not None:
            metrics.RUNNING.set(jobs.active)
        return web.Response(body=metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
