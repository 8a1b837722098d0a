"""Dispatcher middlewares: errors, one DB session per update, chat and language, throttling.

Order (outermost first) on `dp.update`: errors -> DB session -> chat context; throttling sits on
`dp.message`. Handlers receive `session`, `chat_info` and `lang` as keyword arguments.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n import t
from handlers.services import Chats

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _chat_and_user(update: Update) -> tuple[int | None, Any]:
    """The chat an update comes from and its sender (None for kinds the bot does not handle)."""
    if update.message:
        return update.message.chat.id, update.message.from_user
    if update.edited_message:
        return update.edited_message.chat.id, update.edited_message.from_user
    if update.callback_query:
        q = update.callback_query
        return (q.message.chat.id if q.message else None), q.from_user
    return None, None


class ErrorsMiddleware(BaseMiddleware):
    """A failing handler is logged with its update id; the user gets a short apology, never a traceback."""

    def __init__(self, chats: Chats) -> None:
        self.chats = chats

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Exception:
            assert isinstance(event, Update)
            log.exception("update %s failed", event.update_id)
            chat_id, user = _chat_and_user(event)
            if chat_id is None:
                return None
            lang = self.chats.cached_lang(chat_id, getattr(user, "language_code", None))
            bot: Bot = data["bot"]
            try:
                if event.callback_query:
                    await bot.answer_callback_query(event.callback_query.id)
                await bot.send_message(chat_id, t("error", lang))
            except Exception:  # noqa: BLE001 - the apology is best effort; the error is logged above
                log.exception("update %s: could not send the apology", event.update_id)
            return None


class DbSessionMiddleware(BaseMiddleware):
    """One AsyncSession per update, closed when the update is done."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            return await handler(event, data)


class ChatContextMiddleware(BaseMiddleware):
    """`chat_info` (the chat's workspaces) and `lang`: /lang's choice, else the user's Telegram language."""

    def __init__(self, chats: Chats) -> None:
        self.chats = chats

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat_id, user = _chat_and_user(event)
        info = await self.chats.info(data["session"], chat_id) if chat_id is not None else None
        data["chat_info"] = info
        data["lang"] = self.chats.lang(info, getattr(user, "language_code", None))
        return await handler(event, data)


class ThrottlingMiddleware(BaseMiddleware):
    """A token bucket per user: `burst` messages at once, then one every `rate` seconds.
    The first message over the limit gets a notice; the following ones are dropped quietly."""

    def __init__(self, rate: float = 0.5, burst: int = 5) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, tuple[float, float, bool]] = {}  # user -> (tokens, time, warned)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.rate <= 0 or not isinstance(event, Message) or event.from_user is None:
            return await handler(event, data)
        now = time.monotonic()
        tokens, then, warned = self._buckets.get(event.from_user.id, (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + (now - then) / self.rate)
        if tokens < 1:
            self._buckets[event.from_user.id] = (tokens, now, True)
            if not warned:
                await event.answer(t("throttled", data.get("lang", "zh")))
            return None
        self._buckets[event.from_user.id] = (tokens - 1, now, False)
        if len(self._buckets) > 100_000:  # forget idle users now and then
            self._buckets = {u: b for u, b in self._buckets.items() if now - b[1] < 60}
        return await handler(event, data)
