"""A report file arrives: size and type checks, a status message, the check in a worker, the store,
the verdict with its buttons (details, table picture, delete, publish)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import views
from handlers.filters import OnLoop, is_admin
from handlers.i18n import t
from handlers.jobs import JobRunner
from handlers.services import ChatInfo, Checker, CheckTimeout, InFlight
from reports.model import Report as CheckedReport
from reports.readers import sniff
from storage import jobs as jobs_store
from storage import repo
from storage.models import Job, Report, chat_workspace_name

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Findings that mean "this file could not be read at all": say why, store nothing.
FILE_LEVEL = frozenset({
    "unreadable-file", "unsupported-format", "no-text-layer", "encrypted", "not-a-report",
    "too-large", "empty-file", "timeout",
})


class AddressedToBot(Filter):
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


MAX_NAME = 120  # characters of a file name shown and stored (Telegram allows 4,096 per message)
MAX_ID = 2**63 - 1  # ids are BIGINT: a callback forged with a larger one is no report


def short_name(name: str, limit: int = MAX_NAME) -> str:
    """A file name cut to `limit` characters for messages and the store, keeping its end (extension)."""
    if len(name) <= limit:
        return name
    tail = limit // 3
    return name[: limit - tail - 1] + "…" + name[-tail:]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


@contextlib.asynccontextmanager
async def chat_action(bot: Bot, chat_id: int, action: str = "typing") -> AsyncIterator[None]:
    """Keep the "typing…" indicator alive (Telegram shows it for 5 s) while the work goes on."""

    async def keep() -> None:
        while True:
            with contextlib.suppress(Exception):
                await bot.send_chat_action(chat_id, action)
            await asyncio.sleep(4)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _edit(bot: Bot, job: Job, text: str) -> None:
    """Edit the job's status message (or send one when it has none yet)."""
    if job.status_message_id is None:
        sent = await bot.send_message(job.chat_id, text, reply_parameters=_reply(job.message_id))
        job.status_message_id = sent.message_id  # the next steps edit this one
        return
    with contextlib.suppress(TelegramBadRequest):  # e.g. "message is not modified", or deleted
        await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id)


async def send_report(
    message: Message, row: Report, session: AsyncSession, lang: str, admins: frozenset[int], *, prefix: str = ""
) -> Message:
    """The verdict of a stored report, with its buttons, as a reply to `message`."""
    assert message.bot is not None
    user_id = message.from_user.id if message.from_user else None
    return await send_report_to(message.bot, message.chat.id, message.message_id, user_id, row, session, lang,
                                admins, prefix=prefix)


async def send_report_to(
    bot: Bot, chat_id: int, reply_to: int | None, user_id: int | None, row: Report, session: AsyncSession,
    lang: str, admins: frozenset[int], *, prefix: str = "",
) -> Message:
    """The verdict of a stored report, with its buttons; a long list goes along as a file."""
    text, markup, full = await _verdict(row, session, lang, admins, user_id, prefix)
    sent = await bot.send_message(chat_id, text, reply_markup=markup, reply_parameters=_reply(reply_to))
    if full is not None:
        await _send_full(bot, chat_id, row, lang, full)
    return sent


async def _verdict(row: Report, session: AsyncSession, lang: str, admins: frozenset[int], user_id: int | None,
                   prefix: str) -> tuple[str, InlineKeyboardMarkup, str | None]:
    """A stored report's verdict: (HTML text, its buttons, the full list of findings when too long)."""
    findings = await repo.findings_of(session, row.id)  # type: ignore[arg-type]
    text, full = views.verdict(row, findings, lang)
    admin = is_admin(user_id, admins) if user_id is not None else False
    if prefix:
        text = f"{prefix}\n\n{text}"
    return text, views.report_keyboard(row, lang, admin=admin), full


async def _send_full(bot: Bot, chat_id: int, row: Report, lang: str, full: str) -> None:
    await bot.send_document(
        chat_id, BufferedInputFile(full.encode("utf-8"), f"findings-{row.id}.txt"),
        caption=t("findings_file_caption", lang, id=row.id),
    )


async def _answer_job(bot: Bot, session: AsyncSession, job: Job, row: Report, lang: str, admins: frozenset[int],
                      prefix: str = "") -> None:
    """A job's verdict, once. It replaces the job's status message: an edit made twice (by a process
    killed after it, then by the one resuming the job) is still one answer, where a second message
    would be a second answer. The full list of findings, when long, follows once: only after the job
    is marked answering, which a resumed job never sends again (storage.jobs)."""
    text, markup, full = await _verdict(row, session, lang, admins, job.user_id, prefix)
    done = False
    if job.status_message_id is not None:
        try:
            await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id,
                                        reply_markup=markup)
            done = True
        except TelegramBadRequest as e:
            done = "not modified" in e.message  # else the status message is gone (deleted by the user)
    if not done:
        sent = await bot.send_message(job.chat_id, text, reply_markup=markup, reply_parameters=_reply(job.message_id))
        job.status_message_id = sent.message_id
        await jobs_store.set_status_message(session, job.id, sent.message_id)  # type: ignore[arg-type]
    if full is not None and await _answering(session, job):
        await _send_full(bot, job.chat_id, row, lang, full)


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _reply(message_id: int | None) -> ReplyParameters | None:
    """A reply to the user's message, or a plain message when it was deleted meanwhile."""
    return None if message_id is None else ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def _stored_name(name: str, limit: int = 255) -> str:
    """The file name as kept in the job row: cut in the middle, its extension kept."""
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = dot + ext if stem and len(ext) <= 8 else ""
    return name[: limit - len(ext) - 1] + "…" + ext


async def on_document(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    chat_info: ChatInfo,
    lang: str,
    checker: Checker,
    inflight: InFlight,
    jobs: JobRunner,
    max_upload_bytes: int,
) -> None:
    """Accept a document: the checks that need no download, then a job row (committed before this
    handler returns, i.e. before the update is acknowledged); the work goes on in the background."""
    doc = message.document
    assert doc is not None and message.from_user is not None
    name = short_name(doc.file_name or "report")
    size = doc.file_size or 0
    if size > TELEGRAM_DOWNLOAD_LIMIT:
        await message.reply(t("too_big", lang, size=_size(size)))
        return
    if size > max_upload_bytes:
        await message.reply(t("too_big_local", lang, size=_size(size), limit=max_upload_bytes // 1024 // 1024))
        return
    if doc.file_size == 0:
        await message.reply(t("empty_file", lang))
        return
    if not checker.accepts(message.chat.id):
        await message.reply(t("queue_full", lang, n=checker.per_chat))
        return
    user_id = message.from_user.id
    if not inflight.start(user_id):
        await message.reply(t("busy", lang))
        return
    try:
        job = await jobs.accept(
            session, chat_id=message.chat.id, user_id=user_id, message_id=message.message_id, file_id=doc.file_id,
            file_name=_stored_name(name), file_size=size, workspace=chat_workspace_name(message.chat.id), lang=lang,
        )
        if job is None:  # this message was accepted before (a delivery retried)
            inflight.done(user_id)
            return
        status = await message.reply(t("status_received", lang, name=name))
        job.status_message_id = status.message_id
        await jobs.set_status(session, job.id, status.message_id)  # type: ignore[arg-type]
    except BaseException:
        inflight.done(user_id)
        raise
    jobs.start(bot, job.id, on_done=lambda: inflight.done(user_id))  # type: ignore[arg-type]


async def process_job(
    bot: Bot, session: AsyncSession, job: Job, *, checker: Checker, admins: frozenset[int], resumed: bool = False,
) -> str:
    """Download, check, store and answer one job; returns its outcome (for the metrics). Outcomes
    the user is told about (a bad file, a timeout) end the job; other errors propagate (retried)."""
    async with chat_action(bot, job.chat_id):
        return await _process(bot, session, job, checker, admins, resumed)


async def _process(bot: Bot, session: AsyncSession, job: Job, checker: Checker, admins: frozenset[int],
                   resumed: bool) -> str:
    lang, name = job.lang, job.file_name
    if resumed:
        await _edit(bot, job, t("status_resumed", lang, name=name))
    try:
        buf = await bot.download(job.file_id)
    except TelegramBadRequest as e:
        key = "too_big" if "too big" in e.message else "download_failed"
        await _edit(bot, job, t(key, lang, size=_size(job.file_size)))
        return "download-failed"
    data = buf.read() if buf is not None else b""
    kind = sniff(data) if data else "empty"
    if kind == "empty":
        await _edit(bot, job, t("empty_file", lang))
        return "empty"
    if kind in ("image", "binary"):
        await _edit(bot, job, t("image_file", lang) if kind == "image" else t("unknown_type", lang, kind=kind))
        return "not-a-report"

    sha = hashlib.sha256(data).hexdigest()
    workspace = await repo.get_or_create_chat(session, job.chat_id)
    earlier = await repo.find_by_sha(session, workspace.workspace_id, sha)
    if earlier is not None:
        # resumed after its own report was stored (the process died just after): no "already" for it
        own = resumed and earlier.uploader == job.user_id and _utc(earlier.created_at) >= _utc(job.created_at)
        await _answer_job(bot, session, job, earlier, lang, admins, "" if own else t("already", lang, id=earlier.id))
        return "pass" if own and earlier.verdict == "pass" else ("fail" if own else "already")

    await _edit(bot, job, t("status_parsing", lang, name=name))
    await session.commit()  # the connection goes back to the pool while the file waits for a worker
    try:
        report: CheckedReport = await checker.check(data, name, chat=job.chat_id, limit=not resumed)
    except CheckTimeout:
        await _edit(bot, job, t("timeout", lang, seconds=f"{checker.timeout:g}"))
        return "timeout"
    except (BrokenProcessPool, MemoryError):
        log.warning("worker failed on %s (%d bytes)", name, len(data), exc_info=True)
        await _edit(bot, job, t("parse_failed", lang))
        return "crashed"
    fatal = [f for f in report.errors if f.code in FILE_LEVEL]
    if fatal:
        await _edit(bot, job, "\n".join(f"❌ {f.message(lang)}" for f in fatal))
        return fatal[0].code

    await _edit(bot, job, t("status_checking", lang))
    res = await repo.save_report(session, report, workspace=job.workspace, uploader=job.user_id, file_name=name)
    row = await repo.get_report(session, res.report_id)
    assert row is not None
    prefix = ""
    if res.status == "duplicate":  # the same file finished a moment ago in this chat
        prefix = t("already", lang, id=row.id)
    elif res.status == "superseded" and res.previous_id:
        prefix = t("superseded", lang, previous=res.previous_id)
    await _answer_job(bot, session, job, row, lang, admins, prefix)
    return "pass" if not report.errors else "fail"


async def _answering(session: AsyncSession, job: Job) -> bool:
    """Mark the job as answering (storage.jobs); False when this process no longer holds the job."""
    if await jobs_store.answering(session, job.id, job.owner):  # type: ignore[arg-type]
        return True
    log.warning("job %s (%s) is no longer this process's: the rest of its answer is not sent here", job.id,
                job.file_name)
    return False


async def job_failed(bot: Bot, job: Job) -> None:
    """Tell the user a job was given up."""
    await _edit(bot, job, t("job_failed", job.lang, name=job.file_name, n=job.attempts))


async def on_photo(message: Message, lang: str) -> None:
    await message.reply(t("photo", lang))


# ---- buttons


async def visible_report(session: AsyncSession, chat_info: ChatInfo, report_id: int) -> Report | None:
    """The report if this chat may see it: its own upload, or a published one."""
    row = await repo.get_report(session, report_id)
    if row is None or not (row.workspace_id == chat_info.workspace_id or row.published):
        return None
    return row


async def on_button(
    query: CallbackQuery, callback_data: views.ReportCb, bot: Bot, session: AsyncSession,
    chat_info: ChatInfo, lang: str, admins: frozenset[int],
) -> None:
    row = await visible_report(session, chat_info, callback_data.id) if 0 < callback_data.id <= MAX_ID else None
    message = query.message if isinstance(query.message, Message) else None
    if row is None or message is None:
        await query.answer(t("gone", lang), show_alert=True)
        return
    action = callback_data.action
    admin = is_admin(query.from_user.id, admins)
    if action == "det":
        await query.answer()
        await message.answer(views.details(row, lang))
    elif action == "pic":
        from handlers.picture import table_picture

        await query.answer()
        findings = await repo.findings_of(session, row.id)  # type: ignore[arg-type]
        async with chat_action(bot, message.chat.id, "upload_photo"):
            png, has_errors = await asyncio.to_thread(table_picture, row, findings, lang)
        if png is None:
            await message.answer(t("no_table3", lang))
            return
        caption = t("picture_caption", lang, id=row.id, errors=t("picture_errors", lang) if has_errors else "")
        await message.answer_photo(BufferedInputFile(png, f"report-{row.id}-table3.png"), caption=caption)
    elif action == "del":
        if row.workspace_id != chat_info.workspace_id and not admin:
            await query.answer(t("admin_only", lang), show_alert=True)
            return
        await repo.delete_report(session, row.id)  # type: ignore[arg-type]
        await query.answer(t("deleted", lang, id=row.id))
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(t("deleted", lang, id=row.id))
    elif action in ("pub", "unpub"):
        if not admin:
            await query.answer(t("admin_only", lang), show_alert=True)
            return
        published = action == "pub"
        await repo.set_published(session, row.id, published)  # type: ignore[arg-type]
        row.published = published
        await query.answer(t("published" if published else "unpublished", lang, id=row.id))
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=views.report_keyboard(row, lang, admin=True))
    else:
        await query.answer()


async def on_bad_button(query: CallbackQuery, lang: str) -> None:
    """A report button whose data does not parse (forged, or from an older version): answer it, so the
    button stops spinning."""
    await query.answer(t("gone", lang), show_alert=True)


def get_router() -> Router:
    router = Router(name="documents")
    router.message.register(on_document, OnLoop(F.document), AddressedToBot())
    router.message.register(on_photo, OnLoop(F.photo), AddressedToBot())
    router.callback_query.register(on_button, views.ReportCb.filter())
    router.callback_query.register(on_bad_button, OnLoop(F.data.startswith(f"{views.ReportCb.__prefix__}:")))
    return router
