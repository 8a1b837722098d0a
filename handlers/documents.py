"""A report file arrives: size and type checks, a status message, the check in a worker, the store,
the verdict with its buttons (details, table picture, delete, publish)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import views
from handlers.fetch import FetchPolicy
from handlers.filters import AddressedToBot, OnLoop, is_admin
from handlers.i18n import t
from handlers.jobs import JobRunner
from handlers.services import ChatInfo, InFlight
from handlers.views import short_name
from reports.model import Report as CheckedReport
from reports.readers import sniff
from reports.readers.ocr_model import installed as ocr_installed
from reports.runner import Checker, CheckTimeout
from storage import jobs as jobs_store
from storage import repo
from storage.models import FindingRow, Job, Report

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


MAX_ID = 2**63 - 1  # ids are BIGINT: a callback forged with a larger one is no report


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
        sent = await bot.send_message(job.chat_id, text, reply_parameters=views.reply_params(job.message_id))
        job.status_message_id = sent.message_id  # the next steps edit this one
        return
    with contextlib.suppress(TelegramBadRequest):  # e.g. "message is not modified", or deleted
        await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id)


async def _answer_job(bot: Bot, session: AsyncSession, job: Job, row: Report, lang: str, admins: frozenset[int],
                      prefix: str = "", findings: Sequence[FindingRow] | None = None) -> None:
    """A job's verdict, once. It replaces the job's status message: an edit made twice (by a process
    killed after it, then by the one resuming the job) is still one answer, where a second message
    would be a second answer. The full list of findings, when long, follows once: only after the job
    is marked answering, which a resumed job never sends again (storage.jobs)."""
    text, markup, full = await views.report_message(row, session, lang, admins, job.user_id, prefix=prefix,
                                                    findings=findings)
    done = False
    if job.status_message_id is not None:
        try:
            await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id,
                                        reply_markup=markup)
            done = True
        except TelegramBadRequest as e:
            done = "not modified" in e.message  # else the status message is gone (deleted by the user)
    if not done:
        sent = await bot.send_message(job.chat_id, text, reply_markup=markup,
                                      reply_parameters=views.reply_params(job.message_id))
        job.status_message_id = sent.message_id
        await jobs_store.set_status_message(session, job.id, sent.message_id)  # type: ignore[arg-type]
    if full is not None and await _answering(session, job):
        await views.send_full(bot, job.chat_id, row, lang, full)


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


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
    await _accept(message, bot, session, lang, checker, inflight, jobs, max_upload_bytes,
                  file_id=doc.file_id, name=short_name(doc.file_name or "report"), size=doc.file_size or 0)


async def on_photo(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    lang: str,
    checker: Checker,
    inflight: InFlight,
    jobs: JobRunner,
    max_upload_bytes: int,
) -> None:
    """A photo of a report page: read by OCR like a scanned page (its largest size); without OCR
    installed, the user is asked for the file."""
    assert message.photo and message.from_user is not None
    if not ocr_installed():
        await message.reply(t("photo", lang))
        return
    photo = max(message.photo, key=lambda p: p.width * p.height)
    await _accept(message, bot, session, lang, checker, inflight, jobs, max_upload_bytes,
                  file_id=photo.file_id, name=f"photo-{message.message_id}.jpg", size=photo.file_size or 1)


async def _accept(
    message: Message, bot: Bot, session: AsyncSession, lang: str, checker: Checker, inflight: InFlight,
    jobs: JobRunner, max_upload_bytes: int, *, file_id: str, name: str, size: int,
) -> None:
    assert message.from_user is not None
    if size > TELEGRAM_DOWNLOAD_LIMIT:
        await message.reply(t("too_big", lang, size=_size(size)))
        return
    if size > max_upload_bytes:
        await message.reply(t("too_big_local", lang, size=_size(size), limit=max_upload_bytes // 1024 // 1024))
        return
    if size == 0:
        await message.reply(t("empty_file", lang))
        return
    if not checker.accepts(message.chat.id):
        await message.reply(t("queue_full", lang, n=checker.per_chat))
        return
    await jobs.take(message, bot, session, inflight, lang, file_id=file_id, file_name=_stored_name(name),
                    file_size=size, status=t("status_received", lang, name=name))


async def process_job(
    bot: Bot, session: AsyncSession, job: Job, *, checker: Checker, admins: frozenset[int], resumed: bool = False,
    fetch: FetchPolicy | None = None,
) -> str:
    """Download, check, store and answer one job; returns its outcome (for the metrics). Outcomes
    the user is told about (a bad file, a timeout) end the job; other errors propagate (retried).
    A job of a link (handlers.links) is fetched under `fetch` (none: links are refused)."""
    async with chat_action(bot, job.chat_id):
        return await _process(bot, session, job, checker, admins, resumed, fetch)


async def _process(bot: Bot, session: AsyncSession, job: Job, checker: Checker, admins: frozenset[int],
                   resumed: bool, fetch: FetchPolicy | None = None) -> str:
    lang, name = job.lang, job.file_name
    if resumed:
        await _edit(bot, job, t("status_resumed", lang, name=name))
    if job.file_id.startswith("url:"):
        from handlers.fetch import FetchError
        from handlers.fetch import fetch as fetch_link

        try:
            if fetch is None:
                raise FetchError("address", "links are not enabled")
            got = await fetch_link(job.file_id[4:], fetch)
        except FetchError as e:
            await _edit(bot, job, t(f"link_failed.{e.code}", lang, limit=fetch.max_bytes // 1024 // 1024 if fetch else 0))
            return "fetch-failed"
        data, name = got.data, short_name(got.name)
    else:
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
    if kind == "binary" or kind == "image" and not (ocr_installed() and data[:3] in (b"\x89PN", b"\xff\xd8\xff")):
        await _edit(bot, job, t("image_file", lang) if kind == "image" else t("unknown_type", lang, kind=kind))
        return "not-a-report"

    sha = hashlib.sha256(data).hexdigest()
    chat = await repo.get_or_create_chat(session, job.chat_id)
    earlier = await repo.find_by_sha(session, chat.workspace_id, sha)
    if earlier is not None:
        # resumed after its own report was stored (the process died just after): no "already" for it
        own = resumed and earlier.uploader == job.user_id and _utc(earlier.created_at) >= _utc(job.created_at)
        await _answer_job(bot, session, job, earlier, lang, admins, "" if own else t("already", lang, id=earlier.id))
        return "pass" if own and earlier.verdict == "pass" else ("fail" if own else "already")

    await _edit(bot, job, t("status_parsing", lang, name=name))
    await session.commit()  # the connection goes back to the pool while the file waits for a worker
    edits: set[asyncio.Task[None]] = set()
    ocr_pages = 0

    def progress(page: int, pages: int) -> None:
        """A page of a scan is being read by OCR: say so in the status message."""
        nonlocal ocr_pages
        ocr_pages = pages
        task = asyncio.get_running_loop().create_task(_edit(bot, job, t("status_ocr_page", lang, page=page, pages=pages)))
        edits.add(task)
        task.add_done_callback(edits.discard)

    try:
        report: CheckedReport = await checker.check(data, name, chat=job.chat_id, limit=not resumed,
                                                    progress=progress, sha256=sha, kind=kind)
    except CheckTimeout:
        seconds = checker.timeout + ocr_pages * checker.ocr_page_seconds
        await _edit(bot, job, t("timeout", lang, seconds=f"{seconds:g}"))
        return "timeout"
    except (BrokenProcessPool, MemoryError):
        log.warning("worker failed on %s (%d bytes)", name, len(data), exc_info=True)
        await _edit(bot, job, t("parse_failed", lang))
        return "crashed"
    finally:
        if edits:  # the last page's edit lands before the verdict
            await asyncio.gather(*edits, return_exceptions=True)
    fatal = report.read_errors  # the file could not be read at all: say why, store nothing
    if fatal:
        await _edit(bot, job, "\n".join(f"❌ {f.message(lang)}" for f in fatal))
        return fatal[0].code

    await _edit(bot, job, t("status_checking", lang))
    res = await repo.save_report(session, report, workspace=chat.workspace_id, uploader=job.user_id, file_name=name,
                                 with_findings=True)
    row = res.row
    assert row is not None
    prefix = ""
    if res.status == "duplicate":  # the same file finished a moment ago in this chat
        prefix = t("already", lang, id=row.id)
    elif res.status == "superseded" and res.previous_id:
        prefix = t("superseded", lang, previous=res.previous_id)
    await _answer_job(bot, session, job, row, lang, admins, prefix, findings=res.findings)
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
    router.message.filter(AddressedToBot())
    router.message.register(on_document, OnLoop(F.document))
    router.message.register(on_photo, OnLoop(F.photo))
    router.callback_query.register(on_button, views.ReportCb.filter())
    router.callback_query.register(on_bad_button, OnLoop(F.data.startswith(f"{views.ReportCb.__prefix__}:")))
    return router
