"""What a chat last asked, for follow-ups ("那2022年呢？", "and Putian?", "英文", "哪一页？").

Per chat: the last question's text, its parsed query (storage.answers.Answer.query) and the reports
its answer used. Kept in Redis when NIANBAO_REDIS_URL is set (so every bot process sees it, and a
restart keeps it), else in this process's memory; either way it expires CONTEXT_TTL seconds after
the question.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

CONTEXT_TTL = 30 * 60  # seconds a chat's last question is remembered
MEMORY_CHATS = 10_000  # chats remembered in memory (the oldest are dropped)
MAX_BYTES = 64 * 1024  # a context larger than this is not kept

# A request for the last answer in another language, or for where its number comes from.
LANG_SWITCH: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"^\s*(?:用|换成|请用|说)?英文(?:回答|说|呢|版)?\s*[？?。.!！]?\s*$|^\s*(?:in |into )?english"
                     r"(?: please)?\s*[?.!]?\s*$", re.I),
    "zh": re.compile(r"^\s*(?:用|换成|请用|说)?(?:中文|汉语)(?:回答|说|呢|版)?\s*[？?。.!！]?\s*$|^\s*(?:in |into )?chinese"
                     r"(?: please)?\s*[?.!]?\s*$", re.I),
}
SOURCE_ASK = re.compile(
    r"^\s*(?:在)?(?:哪一?页|第几页|哪一?行|来源|出处|数据来源|从哪(?:里|儿)?来的?|怎么算的?|哪个文件)\s*(?:呢|啊)?\s*[？?。]?\s*$|"
    r"^\s*(?:which|what) (?:page|line|file)\b.*$|^\s*(?:source|sources|where (?:is|does) (?:that|this|it) (?:from|come from))"
    r"\s*[?.!]?\s*$", re.I)


def language_switch(text: str) -> str | None:
    """'en' or 'zh' when the message only asks for the last answer in that language."""
    for lang, pattern in LANG_SWITCH.items():
        if pattern.match(text):
            return lang
    return None


def asks_source(text: str) -> bool:
    return bool(SOURCE_ASK.match(text))


class ContextStore:
    """The last question of each chat, in memory (tests, one process) or in Redis."""

    def __init__(self, redis_url: str | None = None, prefix: str = "nianbao", ttl: int = CONTEXT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.prefix = prefix
        self._memory: OrderedDict[int, tuple[float, str]] = OrderedDict()
        self._redis: Any = None
        if redis_url:
            from redis.asyncio import Redis  # only when configured

            self._redis = Redis.from_url(redis_url)

    def _key(self, chat_id: int) -> str:
        return f"{self.prefix}:ask:{chat_id}"

    async def get(self, chat_id: int) -> dict[str, Any] | None:
        if self._redis is not None:
            raw = await self._redis.get(self._key(chat_id))
        else:
            hit = self._memory.get(chat_id)
            raw = None
            if hit is not None:
                if hit[0] <= self.clock():
                    del self._memory[chat_id]
                else:
                    raw = hit[1]
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def put(self, chat_id: int, data: dict[str, Any]) -> None:
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(raw.encode()) > MAX_BYTES:
            return
        if self._redis is not None:
            await self._redis.set(self._key(chat_id), raw, ex=self.ttl)
            return
        self._memory[chat_id] = (self.clock() + self.ttl, raw)
        self._memory.move_to_end(chat_id)
        while len(self._memory) > MEMORY_CHATS:
            self._memory.popitem(last=False)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


_STORES: dict[tuple[str | None, str, int], ContextStore] = {}


def context_store(settings: Any) -> ContextStore:
    """The store of the bot's settings (NIANBAO_REDIS_URL, NIANBAO_REDIS_PREFIX): one per process, and
    per event loop for Redis (its connections belong to one loop)."""
    url, prefix = getattr(settings, "redis_url", None), getattr(settings, "redis_prefix", "nianbao")
    key = (url, prefix, id(asyncio.get_running_loop()) if url else 0)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = ContextStore(url, prefix)
    return store
