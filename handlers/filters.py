"""Filters shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message, TelegramObject
from magic_filter import MagicFilter


class OnLoop(BaseFilter):
    """A cheap synchronous check (a magic filter such as F.text, or a plain function) run on the
    event loop. aiogram sends every synchronous filter to a thread, which costs more than the check."""

    def __init__(self, check: MagicFilter | Callable[[Any], Any]) -> None:
        self.check: Callable[[Any], Any] = check.resolve if isinstance(check, MagicFilter) else check

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.check(event))


class AddressedToBot(BaseFilter):
    """In private chats everything is for the bot; in groups, a reply to the bot or a mention of it."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if message.chat.type == "private":
            return True
        me = await bot.me()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == me.id:
            return True
        text = message.text or message.caption or ""
        return bool(me.username) and f"@{me.username}".lower() in text.lower()


class IsAdmin(BaseFilter):
    """The sender is one of NIANBAO_ADMINS (workflow data `admins`)."""

    async def __call__(self, event: Message | CallbackQuery, admins: frozenset[int]) -> bool:
        return event.from_user is not None and event.from_user.id in admins


def is_admin(user_id: int | None, admins: frozenset[int]) -> bool:
    return user_id is not None and user_id in admins
