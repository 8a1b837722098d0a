"""/start, /help, /check, /ask, /privacy and /lang."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import is_admin
from handlers.i18n import t
from handlers.services import Chats


async def start(message: Message, lang: str, early_answered: bool = False) -> None:
    if early_answered:  # welcomed while the bot was starting (bot.early)
        return
    name = message.from_user.first_name if message.from_user else ""
    await message.answer(t("start", lang, name=name))


async def help_(message: Message, lang: str, admins: frozenset[int]) -> None:
    text = t("help", lang)
    if is_admin(message.from_user and message.from_user.id, admins):
        text += t("help_admin", lang)
    await message.answer(text)


async def check_help(message: Message, lang: str) -> None:
    await message.answer(t("check", lang))


async def ask_help(message: Message, lang: str) -> None:
    await message.answer(t("ask", lang))


async def privacy(message: Message, lang: str) -> None:
    await message.answer(t("privacy", lang))


async def set_lang(message: Message, command: CommandObject, lang: str, session: AsyncSession, chats: Chats) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in ("zh", "en"):
        await message.answer(t("lang_usage", lang))
        return
    await chats.set_lang(session, message.chat.id, choice)
    await message.answer(t("lang_set", choice))


def get_router() -> Router:
    router = Router(name="common")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(check_help, Command("check"))
    router.message.register(ask_help, Command("ask"))
    router.message.register(privacy, Command("privacy"))
    router.message.register(set_lang, Command("lang"))
    return router
