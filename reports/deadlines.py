"""Deadlines of the annual reports and the instants of their reminders. Pure date logic.

Under the Regulations (条例 art. 49) a people's-government department publishes its report on the
previous calendar year by 31 January, a county-level-or-above people's government by 31 March.
Many offices set an earlier local deadline (e.g. 26 January): the "custom" role.

"By 31 January" is read as "on or before": the deadline day itself still counts, so a deadline is
past only once that day has ended in the subscriber's time zone. The report due on a date is the
one whose deadline is the first on or after that date: on 2026-01-31 a department still owes its
2025 report; from 2026-02-01 on it owes the 2026 report (due 2027-01-31).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_HOUR",
    "DEFAULT_OFFSETS",
    "DEFAULT_TZ",
    "MAX_OFFSET",
    "Due",
    "DueReport",
    "Role",
    "Schedule",
    "days_left",
    "deadline_end",
    "deadline_for",
    "deadline_month_day",
    "due_reminder",
    "due_report",
    "normalise_offsets",
    "reminder_instant",
    "reminder_instants",
]

DEFAULT_OFFSETS: tuple[int, ...] = (30, 14, 7, 3, 1, 0)
DEFAULT_HOUR = 9
DEFAULT_TZ = "Asia/Shanghai"
# Offsets are bounded so that the reminders of one report never reach back before the previous
# report's deadline (the shortest gap between two deadlines is 365 days).
MAX_OFFSET = 120
# A reminder sent this long after its instant or later counts as late (sent after downtime).
LATE_AFTER = timedelta(minutes=15)


class Role(StrEnum):
    """Who the subscriber reports as, which fixes the deadline."""

    DEPARTMENT = "department"  # 县级以上人民政府部门: 31 January
    GOVERNMENT = "government"  # 县级以上地方人民政府: 31 March
    CUSTOM = "custom"  # a local deadline, month and day chosen by the subscriber


_LEGAL: dict[Role, tuple[int, int]] = {Role.DEPARTMENT: (1, 31), Role.GOVERNMENT: (3, 31)}


def deadline_month_day(role: Role | str, custom: tuple[int, int] | None = None) -> tuple[int, int]:
    """The (month, day) of the deadline for a role; `custom` is required for the custom role."""
    role = Role(role)
    if role is not Role.CUSTOM:
        return _LEGAL[role]
    if custom is None:
        raise ValueError("a custom deadline needs a month and a day")
    month, day = custom
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    # 29 February is accepted (a leap year's length); deadline_for clamps it in other years.
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise ValueError(f"day out of range for month {month}: {day}")
    return month, day


def deadline_for(report_year: int, role: Role | str, custom: tuple[int, int] | None = None) -> date:
    """The deadline of the report on `report_year`: a day of the following year."""
    month, day = deadline_month_day(role, custom)
    year = report_year + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class DueReport:
    """The report owed on some date: the year it covers and its deadline."""

    report_year: int
    deadline: date


def due_report(on: date, role: Role | str, custom: tuple[int, int] | None = None) -> DueReport:
    """The report owed on the date `on`: the one whose deadline is the first on or after `on`."""
    if isinstance(on, datetime):  # a datetime is a date; its local date is what counts
        on = on.date()
    this_year = deadline_for(on.year - 1, role, custom)  # the deadline that falls in on.year
    if on <= this_year:
        return DueReport(on.year - 1, this_year)
    return DueReport(on.year, deadline_for(on.year, role, custom))


def days_left(on: date, role: Role | str, custom: tuple[int, int] | None = None) -> tuple[DueReport, int]:
    """The report owed on `on` and the whole days from `on` to its deadline (0 on the day itself)."""
    due = due_report(on, role, custom)
    return due, (due.deadline - (on.date() if isinstance(on, datetime) else on)).days


def normalise_offsets(offsets: Iterable[int]) -> tuple[int, ...]:
    """Distinct offsets in days before the deadline, largest first; each within 0..MAX_OFFSET."""
    out = sorted({int(o) for o in offsets}, reverse=True)
    for o in out:
        if not 0 <= o <= MAX_OFFSET:
            raise ValueError(f"offset out of range 0..{MAX_OFFSET}: {o}")
    if not out:
        raise ValueError("at least one offset is needed")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When one subscriber wants to be reminded."""

    role: Role
    custom: tuple[int, int] | None = None
    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    hour: int = DEFAULT_HOUR
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        deadline_month_day(self.role, self.custom)  # validates the custom deadline
        object.__setattr__(self, "offsets", normalise_offsets(self.offsets))
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour out of range 0..23: {self.hour}")
        ZoneInfo(self.tz)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def deadline(self, report_year: int) -> date:
        return deadline_for(report_year, self.role, self.custom)


def reminder_instant(deadline: date, offset: int, hour: int = DEFAULT_HOUR, tz: str = DEFAULT_TZ) -> datetime:
    """The aware instant `offset` days before `deadline` at `hour` o'clock local time."""
    return datetime.combine(deadline - timedelta(days=offset), time(hour), ZoneInfo(tz))


def reminder_instants(schedule: Schedule, report_year: int) -> dict[int, datetime]:
    """Offset -> instant of every reminder of one report, largest offset (earliest) first."""
    deadline = schedule.deadline(report_year)
    return {o: reminder_instant(deadline, o, schedule.hour, schedule.tz) for o in schedule.offsets}


def deadline_end(schedule: Schedule, report_year: int) -> datetime:
    """The instant the deadline is past: the end of the deadline day in the schedule's zone."""
    return datetime.combine(schedule.deadline(report_year) + timedelta(days=1), time(0), schedule.zone)


@dataclass(frozen=True, slots=True)
class Due:
    """One reminder due: which report, which offset, when it was meant to go, and whether it is late."""

    report_year: int
    deadline: date
    offset: int
    instant: datetime
    late: bool


def due_reminder(
    now: datetime,
    schedule: Schedule,
    *,
    since: datetime | None = None,
    done: Sequence[int] = (),
    late_after: timedelta = LATE_AFTER,
) -> Due | None:
    """The one reminder to send at `now`, or None.

    Only the report currently owed counts (a deadline already past gets nothing). Among its
    reminders whose instant has come (and, when `since` is given, came after `since`, e.g. the
    subscription's creation), only the latest matters: earlier ones were either sent or missed
    while the bot was down, and a missed one is not sent after a later one has fallen due. If that
    latest one is in `done` (already claimed), nothing is due. It is late when sent `late_after` or
    more after its instant.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(schedule.zone)
    due = due_report(local_now.date(), schedule.role, schedule.custom)
    if now >= deadline_end(schedule, due.report_year):  # cannot happen: due_report picks a future one
        return None
    passed = [
        (o, at)
        for o, at in reminder_instants(schedule, due.report_year).items()
        if at <= now and (since is None or at >= since)
    ]
    if not passed:
        return None
    offset, at = min(passed, key=lambda p: p[0])  # the smallest offset is the latest instant
    if offset in done:
        return None
    return Due(due.report_year, due.deadline, offset, at, now - at >= late_after)
