"""Reminders from the database: subscriptions, rosters, what is due, and the exactly-once claim.

One tick (run_tick) does, for every active subscription of a chat that has not blocked the bot:

1. plan: the reminder due now (reports.deadlines.due_reminder: only the latest instant that has
   come, none for a deadline already past), unless its agency already has a passing report;
2. claim: INSERT into reminder_sent ... ON CONFLICT DO NOTHING in a transaction of its own,
   committed before anything is sent. The unique constraint (subscription, report year, offset)
   lets exactly one process win; a retry (status failed, next_try_at come) or a stale claim
   (status claimed for longer than the lease: its process died) is re-claimed by a conditional
   UPDATE that likewise only one process can win;
3. send through `sender` (async (chat_id, text) -> None, raising on failure) and record the
   outcome: sent; failed with next_try_at (network error, 429 with retry_after); or, for a chat
   that blocked the bot (403), the chat is marked blocked and the reminder given up.

On PostgreSQL a tick also takes a session advisory lock, so concurrent processes do not even
plan the same work; the unique claim is what guarantees a reminder is sent once. The one way to
send twice is a process dying after Telegram accepted a message and before its row says "sent":
after the lease the reminder is sent again (at least once beats lost).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports.agency import normalise_agency
from reports.deadlines import Due, Role, Schedule, due_reminder
from storage.models import LIBRARY, Agency, Chat, Report, Workspace, chat_workspace_name
from storage.reminder_models import Roster, SentReminder, Subscription

log = logging.getLogger(__name__)

Sender = Callable[[int, str], Awaitable[None]]
Lang = Literal["zh", "en"]

LEASE = timedelta(minutes=10)  # a claim older than this whose row is not "sent" was abandoned
MAX_ATTEMPTS = 8
ADVISORY_LOCK_KEY = 0x4E42_5245  # "NBRE": one reminder tick at a time across processes


class SendBlocked(Exception):
    """The chat blocked the bot (Telegram 403): nothing more is sent to it."""


class SendRetryLater(Exception):
    """A temporary failure (network, 429); `retry_after` seconds if Telegram said so."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def classify_failure(exc: BaseException) -> tuple[Literal["blocked", "retry"], float | None]:
    """('blocked', None) for a 403 from the chat, else ('retry', seconds to wait or None).
    Recognises this module's exceptions and, by duck typing, aiogram's (TelegramForbiddenError,
    TelegramRetryAfter), so a bare bot.send_message works as a sender."""
    if isinstance(exc, SendBlocked) or any(c.__name__ == "TelegramForbiddenError" for c in type(exc).__mro__):
        return "blocked", None
    retry_after = getattr(exc, "retry_after", None)
    return "retry", float(retry_after) if isinstance(retry_after, int | float) else None


def _utc(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


# ---------------------------------------------------------------- subscriptions


def schedule_of(sub: Subscription) -> Schedule:
    custom = (sub.deadline_month, sub.deadline_day) if sub.role == Role.CUSTOM else None
    return Schedule(Role(sub.role), custom, tuple(sub.offsets), sub.hour, sub.tz)  # type: ignore[arg-type]


async def subscribe(
    session: AsyncSession,
    chat_id: int,
    schedule: Schedule,
    agency: str | None = None,
    *,
    lang: str | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Subscribe a chat (committed). The same chat, deadline and agency again updates the existing
    active subscription (offsets, hour, zone, language) instead of adding a second one. `lang` is
    the subscriber's language, used unless the chat chose one with /lang."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    agency = agency.strip() if agency and agency.strip() else None
    custom = schedule.custom or (None, None)
    for sub in await subscriptions_of(session, chat_id):
        same_agency = (sub.agency and normalise_agency(sub.agency)) == (agency and normalise_agency(agency))
        if sub.role == schedule.role and (sub.deadline_month, sub.deadline_day) == custom and same_agency:
            sub.offsets, sub.hour, sub.tz, sub.updated_at = list(schedule.offsets), schedule.hour, schedule.tz, now
            sub.lang = lang or sub.lang
            await session.commit()
            return sub
    sub = Subscription(
        chat_id=chat_id,
        role=str(schedule.role),
        deadline_month=custom[0],
        deadline_day=custom[1],
        agency=agency,
        offsets=list(schedule.offsets),
        hour=schedule.hour,
        tz=schedule.tz,
        lang=lang,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    await session.commit()
    return sub


async def subscriptions_of(session: AsyncSession, chat_id: int, *, active_only: bool = True) -> list[Subscription]:
    q = select(Subscription).where(Subscription.chat_id == chat_id)
    if active_only:
        q = q.where(Subscription.active.is_(True))
    return list((await session.execute(q.order_by(Subscription.id))).scalars())


async def unsubscribe(
    session: AsyncSession, chat_id: int, subscription_id: int | None = None, *, now: datetime | None = None
) -> int:
    """Switch off a chat's subscriptions (or one of them); their sent record stays. Committed.
    Returns how many were switched off."""
    q = update(Subscription).where(Subscription.chat_id == chat_id, Subscription.active.is_(True))
    if subscription_id is not None:
        q = q.where(Subscription.id == subscription_id)
    result = await session.execute(q.values(active=False, updated_at=(now or datetime.now(UTC)).astimezone(UTC)))
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- rosters


def _clean_name(name: str) -> str:
    return " ".join(str(name).split()).strip(" ,，、;；")


async def roster_of(session: AsyncSession, chat_id: int) -> list[Roster]:
    q = select(Roster).where(Roster.chat_id == chat_id).order_by(Roster.id)
    return list((await session.execute(q)).scalars())


async def roster_add(session: AsyncSession, chat_id: int, names: Iterable[str]) -> list[str]:
    """Add agencies to a chat's roster (committed); returns the names newly added, in order.
    A name already there (same normal form) is not added twice."""
    have = {r.normalised for r in await roster_of(session, chat_id)}
    added: list[str] = []
    for raw in names:
        name = _clean_name(raw)
        norm = normalise_agency(name)
        if not norm or norm in have:
            continue
        have.add(norm)
        session.add(Roster(chat_id=chat_id, agency=name, normalised=norm))
        added.append(name)
    await session.commit()
    return added


async def roster_remove(session: AsyncSession, chat_id: int, names: Iterable[str]) -> list[str]:
    """Remove agencies from a chat's roster (committed); returns the names removed as stored."""
    wanted = {normalise_agency(_clean_name(n)) for n in names}
    removed: list[str] = []
    for entry in await roster_of(session, chat_id):
        if entry.normalised in wanted:
            removed.append(entry.agency)
            await session.delete(entry)
    await session.commit()
    return removed


_HEADER_WORDS = {"name", "agency", "名称", "单位", "单位名称", "机关", "机关名称", "部门", "部门名称", "序号"}


def names_from_file(data: bytes, filename: str = "") -> list[str]:
    """Agency names from a CSV or XLSX roster: the first column of every row that is not a header
    or a number. XLSX is recognised by its content (a zip), CSV may be UTF-8 (with or without BOM)
    or GB18030. Raises ValueError for anything else."""
    rows: list[list[object]]
    if data[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a zip that is not a workbook
            raise ValueError("not an XLSX workbook") from exc
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                decoded = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("not a CSV file in UTF-8 or GB18030")
        if "\x00" in decoded:
            raise ValueError("not a text file")
        rows = [list(r) for r in csv.reader(io.StringIO(decoded))]
    names: list[str] = []
    for row in rows:
        cells = [_clean_name(str(c)) for c in row if c is not None and _clean_name(str(c))]
        # A leading serial number column ("1", "2", ...) is skipped.
        cells = [c for c in cells if not c.replace(".", "").isdigit()]
        if cells and cells[0].lower() not in _HEADER_WORDS:
            names.append(cells[0])
    return names


# ---------------------------------------------------------------- what is stored


@dataclass(frozen=True, slots=True)
class AgencyStatus:
    """The best stored report of one agency for one year, as a chat sees it."""

    name: str
    verdict: Literal["pass", "fail"] | None  # None: nothing stored
    error_count: int = 0
    report_id: int | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """A supervisor's roster against the stored reports of one year."""

    report_year: int
    passing: list[str]
    failing: list[tuple[str, int]]  # (name, errors)
    missing: list[str]

    @property
    def total(self) -> int:
        return len(self.passing) + len(self.failing) + len(self.missing)


def _matches(wanted: str, names: set[str]) -> bool:
    """Same normal form, or one name is the other with leading place names (河南省三门峡市…)."""
    for n in names:
        if n == wanted:
            return True
        short, long_ = sorted((n, wanted), key=len)
        if len(short) >= 6 and long_.endswith(short):
            return True
    return False


async def _year_reports(session: AsyncSession, chat_id: int, year: int) -> list[tuple[Report, set[str]]]:
    """Current reports on `year` a chat sees (its own drafts, the library, anything published),
    each with the normal forms of its agency's names."""
    ws = select(Workspace.id).where(Workspace.name.in_([chat_workspace_name(chat_id), LIBRARY]))
    q = (
        select(Report, Agency)
        .outerjoin(Agency, Report.agency_id == Agency.id)
        .where(
            Report.year == year,
            Report.superseded_by.is_(None),
            or_(Report.workspace_id.in_(ws.scalar_subquery()), Report.published.is_(True)),
        )
        .order_by(Report.id.desc())
    )
    out: list[tuple[Report, set[str]]] = []
    for report, agency in (await session.execute(q)).all():
        names = {normalise_agency(report.agency_name or "")}
        if agency is not None:
            names |= {agency.normalised, *(normalise_agency(a) for a in agency.aliases)}
        names.discard("")
        out.append((report, names))
    return out


def _status(name: str, reports: Sequence[tuple[Report, set[str]]]) -> AgencyStatus:
    wanted = normalise_agency(name)
    mine = [r for r, names in reports if _matches(wanted, names)]  # newest first
    for r in mine:
        if r.verdict == "pass":
            return AgencyStatus(name, "pass", r.error_count, r.id)
    if mine:
        return AgencyStatus(name, "fail", mine[0].error_count, mine[0].id)
    return AgencyStatus(name, None)


async def agency_status(session: AsyncSession, chat_id: int, agency: str, year: int) -> AgencyStatus:
    """Whether `agency` has a stored report on `year` that passes, as `chat_id` sees the store."""
    return _status(agency, await _year_reports(session, chat_id, year))


async def roster_digest(session: AsyncSession, chat_id: int, year: int) -> Digest:
    """Submitted and passing / submitted with errors / missing, for every agency on the roster."""
    reports = await _year_reports(session, chat_id, year)
    digest = Digest(year, [], [], [])
    for entry in await roster_of(session, chat_id):
        st = _status(entry.agency, reports)
        if st.verdict == "pass":
            digest.passing.append(entry.agency)
        elif st.verdict == "fail":
            digest.failing.append((entry.agency, st.error_count))
        else:
            digest.missing.append(entry.agency)
    return digest


# ---------------------------------------------------------------- what a reminder says


@dataclass(frozen=True, slots=True)
class Reminder:
    """What one reminder message says, as data: the bot's render function (handlers.reminder_texts)
    writes the text."""

    lang: Lang
    due: Due
    days: int  # days left until the deadline, in the subscription's time zone
    agency: str | None = None
    status: AgencyStatus | None = None  # the agency's stored report, if any
    digest: Digest | None = None  # the chat's roster against the stored reports


Render = Callable[[Reminder], str]


# ---------------------------------------------------------------- the tick


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a tick did with one reminder."""

    subscription_id: int
    chat_id: int
    report_year: int
    offset: int
    late: bool
    result: Literal["sent", "failed", "blocked"]
    text: str


@dataclass(frozen=True, slots=True)
class _Sub:
    """A subscription's values, detached from any session."""

    id: int
    chat_id: int
    agency: str | None
    schedule: Schedule
    lang: str | None


@dataclass(slots=True)
class _Job:
    sub: _Sub
    due: Due
    kind: Literal["new", "retry", "stale"]
    row_id: int | None = None
    attempts: int = 0


def _insert(dialect: str):  # type: ignore[no-untyped-def]
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _plan(session: AsyncSession, now: datetime) -> list[_Job]:
    q = (
        select(Subscription)
        .outerjoin(Chat, Chat.chat_id == Subscription.chat_id)
        .where(Subscription.active.is_(True), or_(Chat.blocked.is_(None), Chat.blocked.is_(False)))
        .order_by(Subscription.id)
    )
    subs = list((await session.execute(q)).scalars())
    if not subs:
        return []
    rows: dict[tuple[int, int, int], SentReminder] = {}
    q2 = select(SentReminder).where(
        SentReminder.subscription_id.in_([s.id for s in subs]), SentReminder.report_year >= now.year - 2
    )
    for r in (await session.execute(q2)).scalars():
        rows[(r.subscription_id, r.report_year, r.offset_days)] = r
    jobs: list[_Job] = []
    for sub in subs:
        try:
            schedule = schedule_of(sub)
        except ValueError:  # a row edited by hand into nonsense: skip it, keep serving the others
            log.warning("subscription %s has an invalid schedule", sub.id)
            continue
        due = due_reminder(now, schedule, since=_utc(sub.created_at))
        if due is None:
            continue
        snap = _Sub(sub.id, sub.chat_id, sub.agency, schedule, sub.lang)  # type: ignore[arg-type]
        row = rows.get((snap.id, due.report_year, due.offset))
        if row is None:
            jobs.append(_Job(snap, due, "new"))
            continue
        again = Due(due.report_year, due.deadline, due.offset, due.instant, row.late)
        if row.status == "failed" and row.next_try_at is not None and _utc(row.next_try_at) <= now:  # type: ignore[operator]
            jobs.append(_Job(snap, again, "retry", row.id, row.attempts))
        elif row.status == "claimed" and _utc(row.claimed_at) <= now - LEASE:  # type: ignore[operator]
            jobs.append(_Job(snap, again, "stale", row.id, row.attempts))
    return jobs


async def _claim(session: AsyncSession, job: _Job, now: datetime) -> bool:
    """Claim one reminder in a transaction of its own; True if this process won it."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    if job.kind == "new":
        stmt = (
            _insert(dialect)(SentReminder)
            .values(
                subscription_id=job.sub.id, report_year=job.due.report_year, offset_days=job.due.offset,
                status="claimed", late=job.due.late, attempts=0, claimed_at=now,
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=["subscription_id", "report_year", "offset_days"])
            .returning(SentReminder.id)
        )
        row_id = (await session.execute(stmt)).scalar_one_or_none()
        await session.commit()
        if row_id is None:
            return False
        job.row_id = row_id
        return True
    was = (
        and_(SentReminder.status == "failed", SentReminder.next_try_at <= now)
        if job.kind == "retry"
        else and_(SentReminder.status == "claimed", SentReminder.claimed_at <= now - LEASE)
    )
    stmt2 = (
        update(SentReminder)
        .where(SentReminder.id == job.row_id, was)
        .values(status="claimed", claimed_at=now)
        .returning(SentReminder.id)
    )
    won = (await session.execute(stmt2)).scalar_one_or_none() is not None
    await session.commit()
    return won


async def _compose(session: AsyncSession, job: _Job, now: datetime, default_lang: Lang) -> Reminder | None:
    """What the reminder says, or None when the agency's report is in and passes (stop)."""
    sub, due = job.sub, job.due
    status = await agency_status(session, sub.chat_id, sub.agency, due.report_year) if sub.agency else None
    if status is not None and status.verdict == "pass":
        return None
    lang_row = (await session.execute(select(Chat.lang).where(Chat.chat_id == sub.chat_id))).scalar_one_or_none()
    lang: Lang = next((x for x in (lang_row, sub.lang) if x in ("zh", "en")), default_lang)  # type: ignore[assignment]
    digest = await roster_digest(session, sub.chat_id, due.report_year)
    days = (due.deadline - now.astimezone(sub.schedule.zone).date()).days
    return Reminder(lang, due, days, sub.agency, status, digest)


async def _record(session: AsyncSession, job: _Job, now: datetime, exc: BaseException | None) -> str:
    attempts = job.attempts + 1
    if exc is None:
        values: dict[str, object] = {"status": "sent", "sent_at": now, "attempts": attempts, "next_try_at": None,
                                     "last_error": None}  # fmt: skip
        result = "sent"
    else:
        kind, retry_after = classify_failure(exc)
        error = f"{type(exc).__name__}: {exc}"[:200]
        if kind == "blocked":
            from storage.repo import set_chat_blocked

            await set_chat_blocked(session, job.sub.chat_id, True)
            next_try, result = None, "blocked"
        else:
            wait = timedelta(seconds=retry_after) if retry_after is not None else _backoff(attempts)
            next_try = now + wait if attempts < MAX_ATTEMPTS else None
            result = "failed"
        values = {"status": "failed", "attempts": attempts, "next_try_at": next_try, "last_error": error}
    await session.execute(update(SentReminder).where(SentReminder.id == job.row_id).values(**values))
    await session.commit()
    return result


async def _stop(session: AsyncSession, job: _Job, now: datetime) -> None:
    """A claimed reminder that turned out not to be needed (the report passed meanwhile): the row
    is kept as given up, so later ticks leave it alone."""
    values = {"status": "failed", "next_try_at": None, "last_error": "report passed"}
    await session.execute(update(SentReminder).where(SentReminder.id == job.row_id).values(**values))
    await session.commit()


async def run_tick(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    now: datetime,
    *,
    render: Render,
    default_lang: Lang = "zh",
    advisory_lock: bool = True,
) -> list[Outcome]:
    """Send every reminder due at `now` (aware), each once across all processes; see the module
    docstring; `render` writes each reminder's text (the bot gives handlers.reminder_texts'). Returns
    what was done, in subscription order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    engine: AsyncEngine | None = sessions.kw.get("bind")
    if advisory_lock and engine is not None and engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}):
                await conn.rollback()
                return []  # another process is ticking; the claim would stop it anyway
            await conn.commit()
            try:
                return await _tick(sessions, sender, now, render, default_lang)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                await conn.commit()
    return await _tick(sessions, sender, now, render, default_lang)


async def _tick(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, now: datetime, render: Render, default_lang: Lang
) -> list[Outcome]:
    async with sessions() as session:
        jobs = await _plan(session, now)
        await session.rollback()
    outcomes: list[Outcome] = []
    for job in jobs:
        async with sessions() as session:
            try:
                reminder = await _compose(session, job, now, default_lang)
                await session.rollback()
                if reminder is None:
                    # A retry no longer needed is given up, so later ticks leave it alone.
                    if job.kind != "new" and await _claim(session, job, now):
                        await _stop(session, job, now)
                    continue
                text_ = render(reminder)
                if not await _claim(session, job, now):
                    continue
            except Exception:
                await session.rollback()
                log.exception("reminder for subscription %s could not be prepared", job.sub.id)
                continue
            error: BaseException | None = None
            try:
                await sender(job.sub.chat_id, text_)
            except Exception as exc:
                error = exc
                log.warning("reminder to chat %s failed: %s", job.sub.chat_id, exc)
            result = await _record(session, job, now, error)
        outcomes.append(
            Outcome(job.sub.id, job.sub.chat_id, job.due.report_year, job.due.offset, job.due.late,  # type: ignore[arg-type]
                    result, text_)  # type: ignore[arg-type]  # fmt: skip
        )
    return outcomes


__all__ = [
    "ADVISORY_LOCK_KEY",
    "LEASE",
    "MAX_ATTEMPTS",
    "AgencyStatus",
    "Digest",
    "Outcome",
    "Reminder",
    "Render",
    "SendBlocked",
    "SendRetryLater",
    "Sender",
    "agency_status",
    "classify_failure",
    "names_from_file",
    "roster_add",
    "roster_digest",
    "roster_of",
    "roster_remove",
    "run_tick",
    "schedule_of",
    "subscribe",
    "subscriptions_of",
    "unsubscribe",
]
