"""Throttling shared by bot processes: the same token bucket per user as ThrottlingMiddleware, kept
in Redis (one atomic script per message), so N webhook replicas do not let a user send N times as
fast. Used when NIANBAO_REDIS_URL is set."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.types import Message, TelegramObject

from bot.middlewares import Handler, ThrottlingMiddleware
from handlers.i18n import t

log = logging.getLogger(__name__)

# KEYS[1] the user's bucket; ARGV rate, burst. Returns 0 pass, 1 refuse with a notice, 2 refuse quietly.
BUCKET = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1e6
local v = redis.call('HMGET', KEYS[1], 't', 'at', 'w')
local tokens = tonumber(v[1]) or burst
local at = tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / rate)
local result = 0
if tokens < 1 then
  if v[3] == '1' then result = 2 else result = 1 end
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now), 'w', '1')
else
  redis.call('HSET', KEYS[1], 't', tostring(tokens - 1), 'at', tostring(now), 'w', '0')
end
redis.call('EXPIRE', KEYS[1], math.ceil(burst * rate) + 60)
return result
"""


class RedisThrottlingMiddleware(ThrottlingMiddleware):
    def __init__(self, url: str, prefix: str, rate: float = 0.5, burst: int = 5) -> None:
        super().__init__(rate, burst)
        import redis.asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url)
        self.prefix = prefix
        self._script = self.redis.register_script(BUCKET)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.rate <= 0 or not isinstance(event, Message) or event.from_user is None:
            return await handler(event, data)
        try:
            verdict = int(await self._script(keys=[f"{self.prefix}:throttle:{event.from_user.id}"],
                                             args=[self.rate, self.burst]))
        except Exception as e:  # noqa: BLE001 - Redis away: throttle in this process meanwhile
            log.warning("shared throttling unavailable (%r): per-process bucket", e)
            return await super().__call__(handler, event, data)
        if verdict == 0:
            return await handler(event, data)
        if verdict == 1:
            bot: Bot = data["bot"]
            await bot.send_message(event.chat.id, t("throttled", data.get("lang", "zh")))
        return None
