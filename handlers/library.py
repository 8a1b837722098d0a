"""The store seen from a chat: /stats, /agencies, /report, /export, /delete, and (admins) /publish,
/unpublish. A chat sees its own uploads plus the published reports, nothing else."""

from __future__ import annotations

import html
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import IsAdmin, is_admin
from handlers.i18n import t
from handlers.services import ChatInfo
from handlers.views import send_report
from storage import repo
from storage.export import export_xlsx
from storage.models import Report

YEAR = re.compile(r"^(19|20)\d{2}$")


async def _visible(session: AsyncSession, chat_info: ChatInfo, **kw: object) -> list[Report]:
    return await repo.list_reports(session, workspaces=chat_info.visible, include_published=True, **kw)  # type: ignore[arg-type]


def _year_arg(command: CommandObject) -> int | None:
    args = (command.args or "").strip()
    return int(args) if YEAR.match(args) else None


async def stats(message: Message, command: CommandObject, session: AsyncSession, chat_info: ChatInfo, lang: str) -> None:
    year = _year_arg(command)
    rows = await _visible(session, chat_info, year=year)
    if not rows:
        await message.answer(t("stats_none", lang))
        return
    failed = [r for r in rows if r.verdict != "pass"]
    scope = t("stats_scope_year", lang, year=year) if year else ""
    lines = [t("stats_title", lang, scope=scope), t("stats_line", lang, n=len(rows), passed=len(rows) - len(failed), failed=len(failed))]
    if year is None:
        by_year: dict[int | None, list[Report]] = defaultdict(list)
        for r in rows:
            by_year[r.year].append(r)
        for y in sorted(by_year, key=lambda y: -(y or 0)):
            if y is not None:
                lines.append(t("stats_year_line", lang, year=y, n=len(by_year[y]), failed=sum(r.verdict != "pass" for r in by_year[y])))
    if failed:
        lines.append(t("stats_failed", lang))
        lines += [
            f"❌ #{r.id} {html.escape(r.agency_name or t('unknown_agency', lang))} {r.year or t('unknown_year', lang)} ({r.error_count})"
            for r in failed[:30]
        ]
    await message.answer("\n".join(lines))


async def agencies(message: Message, session: AsyncSession, chat_info: ChatInfo, lang: str) -> None:
    rows = await _visible(session, chat_info)
    named: dict[str, list[Report]] = defaultdict(list)
    for r in rows:
        if r.agency_name:
            named[r.agency_name].append(r)
    if not named:
        await message.answer(t("agencies_none", lang))
        return
    lines = [t("agencies_title", lang, n=len(named))]
    for name in sorted(named):
        years = " ".join(
            f"{r.year or '?'}{'✅' if r.verdict == 'pass' else '❌'}#{r.id}" for r in sorted(named[name], key=lambda r: r.year or 0)
        )
        lines.append(f"{html.escape(name)}：{years}" if lang == "zh" else f"{html.escape(name)}: {years}")
    await message.answer("\n".join(lines[:120]))


async def report(message: Message, command: CommandObject, session: AsyncSession, chat_info: ChatInfo, lang: str,
                 admins: frozenset[int]) -> None:
    words = (command.args or "").split()
    year = int(words.pop()) if words and YEAR.match(words[-1]) else None
    name = " ".join(words)
    if not name:
        await message.answer(t("report_usage", lang))
        return
    rows = await _visible(session, chat_info, agency=name, year=year, limit=1)
    if not rows:
        await message.answer(t("report_none", lang, query=" ".join(filter(None, [name, str(year or "")]))))
        return
    await send_report(message, rows[0], session, lang, admins)


async def export(message: Message, command: CommandObject, session: AsyncSession, chat_info: ChatInfo, lang: str) -> None:
    year = _year_arg(command)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (f"nianbao-{year}.xlsx" if year else "nianbao.xlsx")
        n = await export_xlsx(session, path, year=year, workspaces=chat_info.visible, include_published=True)
        if n == 0:
            await message.answer(t("export_none", lang))
            return
        await message.answer_document(FSInputFile(path), caption=t("export_caption", lang, n=n))


def _id_arg(command: CommandObject) -> int | None:
    args = (command.args or "").strip().lstrip("#")
    return int(args) if args.isdigit() else None


async def delete(message: Message, command: CommandObject, session: AsyncSession, chat_info: ChatInfo, lang: str,
                 admins: frozenset[int]) -> None:
    rid = _id_arg(command)
    if rid is None:
        await message.answer(t("usage_report_id", lang, command="delete"))
        return
    # A chat deletes its own uploads; an admin also what is in the shared library.
    admin = is_admin(message.from_user and message.from_user.id, admins)
    allowed = chat_info.visible if admin else [chat_info.workspace_id]
    if await repo.delete_report(session, rid, workspaces=allowed):
        await message.answer(t("delete_done", lang, id=rid))
    else:
        await message.answer(t("delete_denied", lang, id=rid))


async def publish(message: Message, command: CommandObject, session: AsyncSession, lang: str) -> None:
    await _set_published(message, command, session, lang, True)


async def unpublish(message: Message, command: CommandObject, session: AsyncSession, lang: str) -> None:
    await _set_published(message, command, session, lang, False)


async def _set_published(message: Message, command: CommandObject, session: AsyncSession, lang: str, published: bool) -> None:
    rid = _id_arg(command)
    name = "publish" if published else "unpublish"
    if rid is None:
        await message.answer(t("usage_report_id", lang, command=name))
        return
    if not await repo.set_published(session, rid, published):
        await message.answer(t("no_such_report", lang, id=rid))
        return
    await message.answer(t("published" if published else "unpublished", lang, id=rid))


async def not_admin(message: Message, lang: str) -> None:
    await message.answer(t("admin_only", lang))


def get_router() -> Router:
    router = Router(name="library")
    router.message.register(stats, Command("stats"))
    router.message.register(agencies, Command("agencies"))
    router.message.register(report, Command("report"))
    router.message.register(export, Command("export"))
    router.message.register(delete, Command("delete"))
    router.message.register(publish, Command("publish"), IsAdmin())
    router.message.register(unpublish, Command("unpublish"), IsAdmin())
    router.message.register(not_admin, Command("publish", "unpublish"))
    return router
