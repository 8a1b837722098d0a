"""What the bot shows of a report: the verdict with its findings, the figures read, the buttons,
and sending them (`send_report`, for every conversation that shows a stored report).

Everything renders from the stored rows (storage.models.Report and its FindingRow list), so a fresh
check and "already checked" look the same. Texts are Telegram HTML; the attached full list is plain.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import is_admin
from handlers.i18n import t
from reports import model as rm
from storage import repo
from storage.models import FindingRow, Report

MAX_MESSAGE = 3800  # below Telegram's 4096, with room for the header
SEVERITY_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class ReportCb(CallbackData, prefix="r"):
    """Buttons under a report: details, picture, delete, publish, unpublish."""

    action: str
    id: int


def report_keyboard(row: Report, lang: str, *, admin: bool) -> InlineKeyboardMarkup:
    rid = row.id or 0
    first = [
        InlineKeyboardButton(text=t("btn_details", lang), callback_data=ReportCb(action="det", id=rid).pack()),
        InlineKeyboardButton(text=t("btn_picture", lang), callback_data=ReportCb(action="pic", id=rid).pack()),
    ]
    second = [InlineKeyboardButton(text=t("btn_delete", lang), callback_data=ReportCb(action="del", id=rid).pack())]
    if admin:
        action, label = ("unpub", "btn_unpublish") if row.published else ("pub", "btn_publish")
        second.append(InlineKeyboardButton(text=t(label, lang), callback_data=ReportCb(action=action, id=rid).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[first, second])


def fmt_number(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def header(row: Report, lang: str) -> str:
    verdict = t("pass" if row.verdict == "pass" else "fail", lang)
    agency = row.agency_name or t("unknown_agency", lang)
    year = t("year", lang, year=row.year) if row.year else t("unknown_year", lang)
    counts = t("counts", lang, format=row.format, errors=row.error_count, warnings=row.warning_count, id=row.id)
    return f"<b>{verdict}</b> · {html.escape(agency)} · {year}\n{counts}"


def place(f: FindingRow, lang: str) -> str:
    """Where a finding is: the cell's labels, and the page or line of the file."""
    parts: list[str] = []
    if f.key:
        parts.append(rm.key_label(f.key, lang))
    elif f.row or f.column:
        parts.append(rm.location_label(f.section, f.row, f.column, lang))
    return " · ".join(parts)


def finding_lines(f: FindingRow, lang: str, *, page_line: dict[str, Any] | None = None) -> list[str]:
    msg = f.message_en if lang == "en" else f.message_zh
    lines = [f"{SEVERITY_ICON.get(f.severity, '•')} {msg}"]
    details: list[str] = []
    where = place(f, lang)
    if page_line:
        if page_line.get("page"):
            where = ", ".join(x for x in (where, t("page", lang, page=page_line["page"])) if x)
        elif page_line.get("line"):
            where = ", ".join(x for x in (where, t("line", lang, line=page_line["line"])) if x)
    if where:
        details.append(f"{t('place', lang)}: {where}" if lang == "en" else f"{t('place', lang)}：{where}")
    if f.expected is not None:
        details.append(t("expected", lang, expected=fmt_number(f.expected)))
        if f.actual is not None:
            details.append(t("actual", lang, actual=fmt_number(f.actual)))
    if details:
        lines.append("   " + ("; " if lang == "en" else "；").join(details))
    return lines


def _sources(row: Report, f: FindingRow) -> dict[str, Any] | None:
    """The page/line of the finding's cell, from the stored report JSON."""
    if not f.key:
        return None
    return (row.report_json or {}).get("sources", {}).get(f.key)


def _sections(row: Report, findings: Sequence[FindingRow], lang: str) -> list[tuple[str, list[str]]]:
    """Findings grouped by section (in the report's order), errors first within each."""
    groups: dict[int, list[FindingRow]] = {}
    for f in findings:
        groups.setdefault(f.section or 0, []).append(f)
    out: list[tuple[str, list[str]]] = []
    for section in sorted(groups, key=lambda s: s or 99):
        title = rm.SECTION_TITLES[section][0 if lang == "zh" else 1] if section in rm.SECTION_TITLES else t("section_other", lang)
        lines: list[str] = []
        for f in sorted(groups[section], key=lambda f: SEVERITY_ORDER.get(f.severity, 3)):
            lines.extend(finding_lines(f, lang, page_line=_sources(row, f)))
        out.append((title, lines))
    return out


def verdict(row: Report, findings: Sequence[FindingRow], lang: str) -> tuple[str, str | None]:
    """The reply to a checked file: (HTML text, the full list as plain text when it does not fit)."""
    shown = [f for f in findings if f.severity != "info"]
    head = header(row, lang)
    if not shown:
        return f"{head}\n\n{t('no_findings', lang)}", None
    sections = _sections(row, shown, lang)
    body = "\n\n".join(f"<b>{html.escape(title)}</b>\n" + "\n".join(html.escape(x) for x in lines) for title, lines in sections)
    text = f"{head}\n\n{body}"
    if len(text) <= MAX_MESSAGE:
        return text, None
    # Too long: the summary keeps whole findings while they fit, then points at the file.
    plain_full = html.unescape(_strip_tags(head)) + "\n\n" + "\n\n".join(
        f"{title}\n" + "\n".join(lines) for title, lines in _sections(row, findings, lang)
    )
    budget = MAX_MESSAGE - len(head) - 200
    parts: list[str] = []
    for title, lines in sections:
        block = [f"<b>{html.escape(title)}</b>"]
        for x in lines:
            if budget - len(x) < 0:
                break
            block.append(html.escape(x))
            budget -= len(x) + 1
        if len(block) > 1:
            parts.append("\n".join(block))
        if budget <= 0:
            break
    summary = f"{head}\n\n" + "\n\n".join(parts) + "\n\n" + t("more_in_file", lang, n=len(shown))
    return summary, plain_full + "\n"


def _strip_tags(s: str) -> str:
    return s.replace("<b>", "").replace("</b>", "")


def details(row: Report, lang: str) -> str:
    """The figures read from the report: table 2, table 3's total column (or natural persons), table 4."""
    figures: dict[str, Any] = (row.report_json or {}).get("figures", {})
    blank = t("blank", lang)

    def val(key: str) -> str:
        v = figures.get(key)
        return blank if v is None else fmt_number(v)

    lines = [t("details_title", lang, id=row.id), "", f"<b>{t('table2', lang)}</b>"]
    lines += [f"{html.escape(rm.key_label(k, lang))}: {val(k)}" for k in rm.S2_KEYS]
    column = "total" if any(figures.get(f"s3.{r}.total") is not None for r in rm.S3_ROWS) else "person"
    col_label = rm.S3_COLUMN_LABELS[column][0 if lang == "zh" else 1]
    lines += ["", f"<b>{t('table3', lang, column=col_label)}</b>"]
    lines += [
        f"{html.escape(rm.S3_ROW_LABELS[r][0 if lang == 'zh' else 1])}: {val(f's3.{r}.{column}')}"
        for r in rm.S3_ROWS
        if not (r.startswith("other.") and figures.get(f"s3.{rm.S3_OTHER_2019}.{column}") is not None)
    ]
    lines += ["", f"<b>{t('table4', lang)}</b>"]
    for g in rm.S4_GROUPS:
        label = rm.S4_GROUP_LABELS[g][0 if lang == "zh" else 1]
        lines.append(f"{html.escape(label)}: " + " / ".join(val(f"s4.{g}.{o}") for o in rm.S4_OUTCOMES))
    return "\n".join(lines)


# ---------------------------------------------------------------- sending


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
    lang: str, admins: frozenset[int], *, prefix: str = "", findings: Sequence[FindingRow] | None = None,
) -> Message:
    """The verdict of a stored report, with its buttons; a long list goes along as a file.
    `findings`: the report's findings when the caller has them (else they are read)."""
    text, markup, full = await report_message(row, session, lang, admins, user_id, prefix=prefix, findings=findings)
    sent = await bot.send_message(chat_id, text, reply_markup=markup, reply_parameters=reply_params(reply_to))
    if full is not None:
        await send_full(bot, chat_id, row, lang, full)
    return sent


async def report_message(
    row: Report, session: AsyncSession, lang: str, admins: frozenset[int], user_id: int | None, *,
    prefix: str = "", findings: Sequence[FindingRow] | None = None,
) -> tuple[str, InlineKeyboardMarkup, str | None]:
    """A stored report's verdict: (HTML text, its buttons, the full list of findings when too long)."""
    if findings is None:
        findings = await repo.findings_of(session, row.id)  # type: ignore[arg-type]
    text, full = verdict(row, findings, lang)
    admin = is_admin(user_id, admins) if user_id is not None else False
    if prefix:
        text = f"{prefix}\n\n{text}"
    return text, report_keyboard(row, lang, admin=admin), full


async def send_full(bot: Bot, chat_id: int, row: Report, lang: str, full: str) -> None:
    """The full list of a report's findings, as a file."""
    await bot.send_document(
        chat_id, BufferedInputFile(full.encode("utf-8"), f"findings-{row.id}.txt"),
        caption=t("findings_file_caption", lang, id=row.id),
    )


def reply_params(message_id: int | None) -> ReplyParameters | None:
    """A reply to the user's message, or a plain message when it was deleted meanwhile."""
    return None if message_id is None else ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


MAX_NAME = 120  # characters of a file name shown and stored (Telegram allows 4,096 per message)


def short_name(name: str, limit: int = MAX_NAME) -> str:
    """A file name cut to `limit` characters for messages and the store, keeping its end (extension)."""
    if len(name) <= limit:
        return name
    tail = limit // 3
    return name[: limit - tail - 1] + "…" + name[-tail:]
