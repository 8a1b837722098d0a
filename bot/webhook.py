"""The webhook server's parts: update de-duplication, the answer in the response, /healthz and /metrics.

Telegram retries a delivery it got no 200 for (a timeout, a replica killed half-way), and the
retry may reach another replica. Each update_id is claimed before it is handled ("busy", with a
short lease, renewed while the handler runs) and marked "done" after (kept `ttl` seconds): a retry
while the first delivery is still being handled gets 503 (Telegram tries again later), and the
claim of a replica that died lapses with its lease, so the update is handled anew.

Exactly one answer: a handler that answers with one method (a question's reply) returns it instead
of calling the Bot API, and the method goes back to Telegram in the 200's body, which Telegram runs
once, only when it got that 200. The body is stored with the "done" mark, in the same write, and a
retry of a done update gets the same body: whether the first response was lost or the replica died
after marking it, Telegram runs the answer once. (An answer sent by an API call while handling the
update cannot be tied to the claim: a replica killed between the call and the mark sends it again.)
The claims live in Redis when NIANBAO_REDIS_URL is set (shared by the replicas), else in this
process's memory.

The handler answers Telegram only when the update's handler has returned: a document is then
already a job row in the database (handlers.jobs), so no accepted file depends on this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import text

from bot import metrics

log = logging.getLogger(__name__)

Claim = Literal["new", "busy", "done"]
Claimed = tuple[Claim, bytes]  # with the stored response body of a done update
BUSY_LEASE = 10  # seconds a claim holds unless renewed: how long the updates of a killed replica wait
RENEW_EVERY = 3.0  # seconds between renewals of the claims under way


class MemoryDedup:
    def __init__(self, ttl: int = 86400, lease: int = BUSY_LEASE) -> None:
        self.ttl, self.lease = ttl, lease
        self._seen: dict[int, tuple[str, float, bytes]] = {}

    async def claim(self, update_id: int) -> Claimed:
        now = time.monotonic()
        hit = self._seen.get(update_id)
        if hit is not None and hit[1] > now:
            return ("done", hit[2]) if hit[0] == "done" else ("busy", b"")
        if len(self._seen) > 200_000:
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
        self._seen[update_id] = ("busy", now + self.lease, b"")
        return "new", b""

    async def renew(self, update_id: int) -> None:
        hit = self._seen.get(update_id)
        if hit is not None and hit[0] == "busy":
            self._seen[update_id] = ("busy", time.monotonic() + self.lease, b"")

    async def done(self, update_id: int, body: bytes = b"") -> None:
        self._seen[update_id] = ("done", time.monotonic() + self.ttl, body)

    async def release(self, update_id: int) -> None:
        self._seen.pop(update_id, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


# extend a claim only while it is "busy" (never the expiry of a "done" mark)
_RENEW = "if redis.call('get', KEYS[1]) == 'busy' then return redis.call('expire', KEYS[1], ARGV[1]) end return 0"


class RedisDedup:
    def __init__(self, url: str, prefix: str, ttl: int = 86400, lease: int = BUSY_LEASE) -> None:
        import redis.asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url)
        self.prefix, self.ttl, self.lease = prefix, ttl, lease

    def _key(self, update_id: int) -> str:
        return f"{self.prefix}:update:{update_id}"

    async def claim(self, update_id: int) -> Claimed:
        for _ in range(3):
            if await self.redis.set(self._key(update_id), b"busy", nx=True, ex=self.lease):
                return "new", b""
            state = await self.redis.get(self._key(update_id))
            if state is not None:  # else it lapsed between the two calls: claim again
                break
        else:
            return "busy", b""
        return ("done", state[5:]) if state.startswith(b"done:") else ("busy", b"")

    async def renew(self, update_id: int) -> None:
        await self.redis.eval(_RENEW, 1, self._key(update_id), self.lease)

    async def done(self, update_id: int, body: bytes = b"") -> None:
        await self.redis.set(self._key(update_id), b"done:" + body, ex=self.ttl)

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
        claim, body = await self.dedup.claim(update_id)
        if claim == "done":
            metrics.DUPLICATES.inc()
            return _answer(body)
        if claim == "busy":
            return web.Response(status=503, text="being handled")
        handled = asyncio.Event()
        renewing = asyncio.create_task(self._renew(update_id, handled))
        try:
            result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
            body = method_json(bot, result) if result is not None else b""
            if result is not None and body is None:  # a file upload cannot ride in the response
                await self.dispatcher.silent_call_request(bot, result)
        except BaseException:
            await _stop(renewing, handled)
            await self.dedup.release(update_id)
            raise
        await _stop(renewing, handled)
        await self.dedup.done(update_id, body or b"")
        return _answer(body or b"")


    async def _renew(self, update_id: int, handled: asyncio.Event) -> None:
        while not handled.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(handled.wait(), RENEW_EVERY)
                return
            try:
                await self.dedup.renew(update_id)
            except Exception as e:  # noqa: BLE001 - the next beat tries again
                log.warning("update %s: claim not renewed: %r", update_id, e)


async def _stop(task: asyncio.Task[None], handled: asyncio.Event) -> None:
    """End the renewals by the event, not by cancelling: a Redis call cancelled half-way may swallow
    the cancellation (the loop would then renew for ever); a renewal under way is waited for."""
    handled.set()
    await asyncio.wait({task}, timeout=5)
    if not task.done():
        task.cancel()


def _answer(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json") if body else web.Response()


def method_json(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """A Bot API method as a webhook response body (JSON with its "method"); None when it uploads a
    file, which only a multipart request to the API can carry."""
    files: dict[str, Any] = {}
    payload: dict[str, Any] = {"method": method.__api_method__}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            payload[key] = prepared
    if files:
        return None
    return json.dumps(payload, ensure_ascii=False).encode()


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
