"""A message holding a link to a report (an HTML page, a PDF or a DOCX) is checked like an uploaded
file: the link becomes a document job (handlers.jobs), fetched safely (handlers.fetch) when the job
runs, then read, checked and stored like any upload."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.fetch import URL_RE, find_link
from handlers.filters import AddressedToBot, OnLoop
from handlers.i18n import t
from handlers.jobs import JobRunner
from handlers.services import ChatInfo, InFlight
from handlers.views import short_name
from reports.runner import Checker

LINK_PREFIX = "url:"  # a job whose file is a link, not a Telegram file id
MAX_URL = 256 - len(LINK_PREFIX)  # the job's file_id column holds 256 characters


def link_name(url: str) -> str:
    """A name for the status messages until the fetch knows the file's own."""
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return short_name(tail if "." in tail else url.split("//", 1)[-1], 60)


async def on_link(message: Message, session: AsyncSession, chat_info: ChatInfo, lang: str, checker: Checker,
                  inflight: InFlight, jobs: JobRunner, bot: object) -> None:
    url = find_link(message.text or "")
    assert url is not None and message.from_user is not None
    if len(url) > MAX_URL:
        await message.reply(t("link_too_long", lang, n=MAX_URL))
        return
    if not checker.accepts(message.chat.id):
        await message.reply(t("queue_full", lang, n=checker.per_chat))
        return
    name = link_name(url)
    await jobs.take(message, bot, session, inflight, lang, file_id=LINK_PREFIX + url, file_name=name,  # type: ignore[arg-type]
                    file_size=0, status=t("status_link", lang, name=name))


def get_router() -> Router:
    router = Router(name="links")
    router.message.filter(AddressedToBot())
    router.message.register(on_link, OnLoop(lambda m: bool(m.text and URL_RE.search(m.text))),
                            OnLoop(~F.text.startswith("/")))
    return router
