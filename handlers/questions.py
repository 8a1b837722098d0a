"""Any text that is not a command is a question about the stored reports (storage.answers).

The answer replies to the question, so the "chart" and "source" buttons can read the question back
from the message they are attached to. The chat's last question is kept for follow-ups
(handlers.context): "那2022年呢？" and "and Putian?" ask it again for another year or agency, "英文"
gives its answer in English, "哪一页？" shows where its number comes from.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import SendMessage
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.answers_text import render_answer, render_sources
from handlers.context import asks_source, context_store, language_switch
from handlers.filters import AddressedToBot, OnLoop
from handlers.i18n import t
from handlers.services import ChatInfo
from storage.answers import Answer, answer, source_details

CHART = "q:chart"
SOURCE = "q:src"
CHART_KINDS = frozenset({"top", "compare"})


def _question(text: str, username: str | None) -> str:
    """The question without the bot's @mention."""
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return text.strip()


def chartable(a: Answer) -> bool:
    numbers = [r for r in a.rows if isinstance(r.get("value"), int | float)]
    return a.query.get("kind") in CHART_KINDS and len(numbers) >= 2


def _text_lang(text: str, default: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    return "en" if re.search(r"[A-Za-z]", text) else default


async def on_question(message: Message, bot: Bot, session: AsyncSession, chat_info: ChatInfo, lang: str,
                      settings: Any = None) -> SendMessage:
    """The answer is returned, not sent: behind a webhook it goes back in the response to Telegram,
    tied to the update's claim, so a retried delivery never answers twice (bot.webhook); when
    polling, the dispatcher sends it."""
    me = await bot.me()
    text = _question(message.text or "", me.username)
    if not text:
        return message.reply(t("question_empty", lang))
    store = context_store(settings)
    last = await store.get(message.chat.id)
    switch, source = language_switch(text), asks_source(text)
    if (switch or source) and last is None:
        return message.reply(t("context_none", _text_lang(text, lang)))
    if switch or source:
        assert last is not None
        a = await answer(session, last["text"], workspaces=chat_info.visible, lang=switch, previous=last.get("base"))
        if source:
            details = await source_details(session, a)
            return message.reply(html.escape(render_sources(details, _text_lang(text, lang)), quote=False))
    else:
        # The answer speaks the question's language; /lang only sets the commands' and menus' language.
        base = last.get("query") if last else None
        a = await answer(session, text, workspaces=chat_info.visible, previous=base)
        if a.kind != "help":
            await store.put(message.chat.id, {"text": text, "query": a.query, "base": base})
    return message.reply(html.escape(render_answer(a), quote=False), reply_markup=_buttons(a))


def _buttons(a: Answer) -> InlineKeyboardMarkup | None:
    row = []
    if chartable(a):
        row.append(InlineKeyboardButton(text=t("btn_chart", a.lang), callback_data=CHART))
    if a.sources:
        row.append(InlineKeyboardButton(text=t("btn_source", a.lang), callback_data=SOURCE))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


async def _asked(query: CallbackQuery, bot: Bot, lang: str) -> tuple[Message, str] | None:
    """A button's message and the question it answers (None, with an alert, when that is gone)."""
    message = query.message if isinstance(query.message, Message) else None
    question = message.reply_to_message.text if message and message.reply_to_message else None
    if message is None or not question:
        await query.answer(t("chart_none", lang), show_alert=True)
        return None
    me = await bot.me()
    return message, _question(question, me.username)


async def on_source(query: CallbackQuery, bot: Bot, session: AsyncSession, chat_info: ChatInfo, lang: str,
                    settings: Any = None) -> None:
    """The "source" button: the file, page or line and the cells behind the answer it is attached to."""
    asked = await _asked(query, bot, lang)
    if asked is None:
        return
    message, text = asked
    last = await context_store(settings).get(message.chat.id)
    base = last.get("base") if last and last.get("text") == text else None
    a = await answer(session, text, workspaces=chat_info.visible, previous=base)
    details = await source_details(session, a)
    await query.answer()
    await message.reply(html.escape(render_sources(details, a.lang), quote=False))


async def on_chart(query: CallbackQuery, bot: Bot, session: AsyncSession, chat_info: ChatInfo, lang: str) -> None:
    from handlers.picture import bar_chart

    asked = await _asked(query, bot, lang)
    if asked is None:
        return
    message, text = asked
    a = await answer(session, text, workspaces=chat_info.visible, lang=lang)
    png = await asyncio.to_thread(bar_chart, text, a.rows, lang)
    if png is None:
        await query.answer(t("chart_none", lang), show_alert=True)
        return
    await query.answer()
    await message.answer_photo(BufferedInputFile(png, "chart.png"), caption=html.escape(text[:200], quote=False))


class UnknownCommand(BaseMiddleware):
    """A command no handler took (/foo) gets a short answer rather than nothing. It runs around
    every router (an outer middleware of the dispatcher's messages), so it speaks only when the
    whole tree left the message unhandled. In a group, only a command addressed to this bot by
    name is answered (/foo alone may be meant for another bot)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        result = await handler(event, data)
        if result is not UNHANDLED or not isinstance(event, Message) or not (event.text or "").startswith("/"):
            return result
        command, _, target = event.text.split()[0].partition("@")  # type: ignore[union-attr]
        if target or event.chat.type != "private":
            me = await data["bot"].me()
            if target.lower() != (me.username or "").lower():
                return result
        return await event.answer(t("unknown_command", data.get("lang", "zh"), command=command[:64]))


def get_router() -> Router:
    router = Router(name="questions")
    router.message.filter(AddressedToBot())
    router.message.register(on_question, OnLoop(F.text), OnLoop(~F.text.startswith("/")))
    router.callback_query.register(on_chart, OnLoop(F.data == CHART))
    router.callback_query.register(on_source, OnLoop(F.data == SOURCE))
    return router
