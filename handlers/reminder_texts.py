"""The reminder texts, in plain text (the scheduler sends them without a parse mode; the
conversations in handlers/reminders.py escape them for HTML): what is due, the roster digest, the
reminder itself and the answer to "how many days until the deadline". Every sentence is in the
catalogue (handlers/i18n.MESSAGES); storage.reminders hands over the data (a Reminder, a Digest).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.i18n import plain, plural
from reports.deadlines import Role, Schedule, due_report
from storage.reminders import Digest, Reminder

MAX_NAMES = 40  # names listed per digest line, so a digest fits in one message
MAX_TEXT = 4096  # Telegram's limit for one message
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")  # fmt: skip


def format_date(d: date, lang: str) -> str:
    """"2026年1月31日" / "31 January 2026"."""
    month = MONTHS_EN[d.month - 1] if lang == "en" else d.month
    return plain("date", lang, year=d.year, month=month, day=d.day)


def render_due(lang: str, report_year: int, deadline: date, days: int, agency: str | None = None) -> str:
    """"2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 7 天" and its English twin."""
    left = plain("due.today", lang) if days == 0 else plural("due.days", lang, days)
    of = plain("due.of", lang, agency=agency) if agency else ""
    return plain("due", lang, agency=of, year=report_year, deadline=format_date(deadline, lang), left=left)


def name_list(names: Sequence[str], lang: str, limit: int | None = None) -> str:
    """Names joined the language's way ("、" / ", "), the ones past `limit` counted."""
    shown = plain("list.sep", lang).join(names[:limit])
    if limit is not None and len(names) > limit:
        shown += plain("list.more", lang, n=len(names) - limit)
    return shown


def render_digest(lang: str, digest: Digest) -> str:
    def names(items: Sequence[str]) -> str:
        return name_list(items, lang, MAX_NAMES) or plain("none", lang)

    failing = [plural("digest.failing_item", lang, e, name=n) for n, e in digest.failing]
    return "\n".join([
        plain("digest.head", lang, total=digest.total, year=digest.report_year),
        plain("digest.passing", lang, n=len(digest.passing), names=names(digest.passing)),
        plain("digest.failing", lang, n=len(digest.failing), names=names(failing)),
        plain("digest.missing", lang, n=len(digest.missing), names=names(digest.missing)),
    ])  # fmt: skip


def render_reminder(r: Reminder) -> str:
    """The reminder message: what is due and when, the state of the chat's stored draft (or how to
    check one), the roster digest, and a note when it is sent late."""
    lang, due = r.lang, r.due
    lines = [plain("reminder.head", lang) + render_due(lang, due.report_year, due.deadline, r.days, r.agency)]
    if r.status is not None and r.status.verdict == "fail":
        lines.append(plural("reminder.draft_errors", lang, r.status.error_count))
    else:
        lines.append(plain("reminder.send_draft", lang))
    if r.digest is not None and r.digest.total:
        lines += ["", render_digest(lang, r.digest)]
    if due.late:
        lines += ["", plain("reminder.late", lang)]
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def render_days_left(lang: str, today: date, schedules: Sequence[tuple[Schedule, str | None]] = ()) -> str:
    """The answer to "离截止还有几天" / "how many days until the deadline": for each of the chat's
    subscriptions, else for both legal deadlines."""
    items: list[tuple[Schedule, str | None]] = list(schedules) or [
        (Schedule(Role.DEPARTMENT), None),
        (Schedule(Role.GOVERNMENT), None),
    ]
    lines: list[str] = []
    for schedule, agency in items:
        due = due_report(today, schedule.role, schedule.custom)
        days = (due.deadline - today).days
        head = plain(f"days_left.{schedule.role}", lang)
        lines.append(head + render_due(lang, due.report_year, due.deadline, days, agency))
    return "\n".join(lines)
