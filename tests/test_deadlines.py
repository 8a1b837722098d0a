"""Deadlines and reminder instants: the pure date logic of reports.deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.deadlines import (
    DEFAULT_OFFSETS,
    MAX_OFFSET,
    Due,
    DueReport,
    Role,
    Schedule,
    days_left,
    deadline_end,
    deadline_for,
    deadline_month_day,
    due_reminder,
    due_report,
    normalise_offsets,
    reminder_instant,
    reminder_instants,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


# -- deadlines ---------------------------------------------------------------------------------


def test_legal_deadlines() -> None:
    assert deadline_for(2025, Role.DEPARTMENT) == date(2026, 1, 31)
    assert deadline_for(2025, Role.GOVERNMENT) == date(2026, 3, 31)
    assert deadline_for(2025, "department") == date(2026, 1, 31)
    assert deadline_for(2025, Role.CUSTOM, (1, 26)) == date(2026, 1, 26)
    assert deadline_month_day(Role.GOVERNMENT) == (3, 31)


def test_custom_deadline_validation() -> None:
    with pytest.raises(ValueError):
        deadline_for(2025, Role.CUSTOM)
    with pytest.raises(ValueError):
        deadline_month_day(Role.CUSTOM, (13, 1))
    with pytest.raises(ValueError):
        deadline_month_day(Role.CUSTOM, (2, 30))
    with pytest.raises(ValueError):
        deadline_month_day("nobody")
    # 29 February exists only in leap years: clamped to the 28th otherwise.
    assert deadline_for(2023, Role.CUSTOM, (2, 29)) == date(2024, 2, 29)
    assert deadline_for(2024, Role.CUSTOM, (2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("on", "role", "custom", "expected"),
    [
        # Departments, across New Year: the 2025 report is owed until 2026-01-31 inclusive.
        (date(2025, 2, 1), Role.DEPARTMENT, None, DueReport(2025, date(2026, 1, 31))),
        (date(2025, 12, 31), Role.DEPARTMENT, None, DueReport(2025, date(2026, 1, 31))),
        (date(2026, 1, 1), Role.DEPARTMENT, None, DueReport(2025, date(2026, 1, 31))),
        (date(2026, 1, 31), Role.DEPARTMENT, None, DueReport(2025, date(2026, 1, 31))),
        (date(2026, 2, 1), Role.DEPARTMENT, None, DueReport(2026, date(2027, 1, 31))),
        # Governments: until 31 March.
        (date(2025, 12, 31), Role.GOVERNMENT, None, DueReport(2025, date(2026, 3, 31))),
        (date(2026, 1, 31), Role.GOVERNMENT, None, DueReport(2025, date(2026, 3, 31))),
        (date(2026, 3, 31), Role.GOVERNMENT, None, DueReport(2025, date(2026, 3, 31))),
        (date(2026, 4, 1), Role.GOVERNMENT, None, DueReport(2026, date(2027, 3, 31))),
        # A local deadline of 26 January.
        (date(2026, 1, 26), Role.CUSTOM, (1, 26), DueReport(2025, date(2026, 1, 26))),
        (date(2026, 1, 27), Role.CUSTOM, (1, 26), DueReport(2026, date(2027, 1, 26))),
        # A custom deadline late in the year: the report is still due the next year.
        (date(2025, 12, 20), Role.CUSTOM, (12, 15), DueReport(2025, date(2026, 12, 15))),
        (date(2025, 12, 10), Role.CUSTOM, (12, 15), DueReport(2024, date(2025, 12, 15))),
    ],
)
def test_due_report(on: date, role: Role, custom: tuple[int, int] | None, expected: DueReport) -> None:
    assert due_report(on, role, custom) == expected


def test_due_report_every_day_of_two_years() -> None:
    """For every day of 2025-2026 and each role, the report owed is the first deadline on or after."""
    for role, custom in ((Role.DEPARTMENT, None), (Role.GOVERNMENT, None), (Role.CUSTOM, (1, 26))):
        day = date(2025, 1, 1)
        while day <= date(2026, 12, 31):
            due = due_report(day, role, custom)
            assert due.deadline == deadline_for(due.report_year, role, custom)
            assert due.deadline >= day
            assert deadline_for(due.report_year - 1, role, custom) < day
            day += timedelta(days=1)


def test_days_left() -> None:
    assert days_left(date(2025, 12, 31), Role.DEPARTMENT) == (DueReport(2025, date(2026, 1, 31)), 31)
    assert days_left(date(2026, 1, 24), Role.DEPARTMENT) == (DueReport(2025, date(2026, 1, 31)), 7)
    assert days_left(date(2026, 1, 31), Role.DEPARTMENT) == (DueReport(2025, date(2026, 1, 31)), 0)
    assert days_left(date(2026, 2, 1), Role.DEPARTMENT) == (DueReport(2026, date(2027, 1, 31)), 364)
    assert days_left(date(2026, 1, 31), Role.GOVERNMENT) == (DueReport(2025, date(2026, 3, 31)), 59)
    # 2028 is a leap year: 2027-04-01 to 2028-03-31 is 365 days.
    assert days_left(date(2027, 4, 1), Role.GOVERNMENT) == (DueReport(2027, date(2028, 3, 31)), 365)


# -- schedules and instants ---------------------------------------------------------------------


def test_offsets_normalised() -> None:
    assert normalise_offsets([0, 7, 30, 7, 1]) == (30, 7, 1, 0)
    assert normalise_offsets([MAX_OFFSET]) == (MAX_OFFSET,)
    for bad in ([], [-1], [MAX_OFFSET + 1]):
        with pytest.raises(ValueError):
            normalise_offsets(bad)


def test_schedule_validation() -> None:
    s = Schedule(Role.DEPARTMENT)
    assert (s.offsets, s.hour, s.tz) == ((30, 14, 7, 3, 1, 0), 9, "Asia/Shanghai")
    assert Schedule("government", offsets=(1, 7)).offsets == (7, 1)
    with pytest.raises(ValueError):
        Schedule(Role.DEPARTMENT, hour=24)
    with pytest.raises(ValueError):
        Schedule(Role.CUSTOM)
    with pytest.raises(Exception):  # noqa: B017 - ZoneInfoNotFoundError is a KeyError
        Schedule(Role.DEPARTMENT, tz="Mars/Olympus")


def test_reminder_instants_department_2025() -> None:
    got = reminder_instants(Schedule(Role.DEPARTMENT), 2025)
    assert list(got) == [30, 14, 7, 3, 1, 0]
    assert got == {
        30: sh(2026, 1, 1, 9),
        14: sh(2026, 1, 17, 9),
        7: sh(2026, 1, 24, 9),
        3: sh(2026, 1, 28, 9),
        1: sh(2026, 1, 30, 9),
        0: sh(2026, 1, 31, 9),
    }
    # 09:00 in Shanghai is 01:00 UTC.
    assert got[0].astimezone(UTC) == datetime(2026, 1, 31, 1, 0, tzinfo=UTC)


def test_reminder_instants_government_and_custom() -> None:
    assert reminder_instants(Schedule(Role.GOVERNMENT), 2025) == {
        30: sh(2026, 3, 1, 9),
        14: sh(2026, 3, 17, 9),
        7: sh(2026, 3, 24, 9),
        3: sh(2026, 3, 28, 9),
        1: sh(2026, 3, 30, 9),
        0: sh(2026, 3, 31, 9),
    }
    # 26 January: the 30-day reminder falls in the report's own year (27 December 2025).
    custom = Schedule(Role.CUSTOM, (1, 26), offsets=(30, 7), hour=8, tz="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert reminder_instants(custom, 2025) == {
        30: datetime(2025, 12, 27, 8, tzinfo=berlin),
        7: datetime(2026, 1, 19, 8, tzinfo=berlin),
    }
    assert reminder_instant(date(2026, 1, 31), 0, 18) == sh(2026, 1, 31, 18)
    assert deadline_end(custom, 2025) == datetime(2026, 1, 27, tzinfo=berlin)


# -- what is due at an instant -------------------------------------------------------------------


def test_nothing_due_before_the_first_instant() -> None:
    s = Schedule(Role.DEPARTMENT)
    assert due_reminder(sh(2026, 1, 1, 8, 59), s) is None
    assert due_reminder(sh(2025, 12, 31, 23, 59), s) is None


def test_each_offset_due_at_its_instant() -> None:
    s = Schedule(Role.DEPARTMENT)
    done: list[int] = []
    for offset, at in reminder_instants(s, 2025).items():
        assert due_reminder(at - timedelta(seconds=1), s, done=done) is None
        assert due_reminder(at, s, done=done) == Due(2025, date(2026, 1, 31), offset, at, False)
        assert due_reminder(at + timedelta(minutes=14), s, done=done) == Due(
            2025, date(2026, 1, 31), offset, at, False
        )
        done.append(offset)
        assert due_reminder(at + timedelta(minutes=1), s, done=done) is None
    # After the deadline day the next report's 30-day reminder is a year away.
    assert due_reminder(sh(2026, 2, 1, 0, 0), s, done=done) is None
    assert due_reminder(sh(2026, 12, 31, 23, 0), s, done=done) is None


def test_missed_reminders_only_the_latest_goes_out_late() -> None:
    s = Schedule(Role.DEPARTMENT)
    # Down from 31 Dec to 25 Jan: 30, 14 and 7 days fell due; only 7 goes out, late.
    assert due_reminder(sh(2026, 1, 25, 12), s, done=[]) == Due(
        2025, date(2026, 1, 31), 7, sh(2026, 1, 24, 9), True
    )
    # 15 minutes after the instant counts as late.
    assert due_reminder(sh(2026, 1, 24, 9, 15), s).late is True  # type: ignore[union-attr]
    # Once the 7-day one is done, the earlier missed ones never go.
    assert due_reminder(sh(2026, 1, 25, 12), s, done=[7]) is None
    # Down over the deadline: nothing for a deadline already past.
    assert due_reminder(sh(2026, 2, 2, 9), s, done=[]) is None
    # Late on the deadline day itself: the day-of reminder still goes.
    assert due_reminder(sh(2026, 1, 31, 23, 59), s).offset == 0  # type: ignore[union-attr]


def test_since_skips_instants_before_the_subscription() -> None:
    s = Schedule(Role.DEPARTMENT)
    created = sh(2026, 1, 25, 10)
    assert due_reminder(sh(2026, 1, 25, 10, 1), s, since=created) is None
    due = due_reminder(sh(2026, 1, 28, 9, 0), s, since=created)
    assert due == Due(2025, date(2026, 1, 31), 3, sh(2026, 1, 28, 9), False)


def test_now_in_another_zone_is_the_same_instant() -> None:
    s = Schedule(Role.DEPARTMENT)
    # 2026-01-24 01:00 UTC is 09:00 in Shanghai: the 7-day reminder.
    due = due_reminder(datetime(2026, 1, 24, 1, 0, tzinfo=UTC), s, done=[30, 14])
    assert due == Due(2025, date(2026, 1, 31), 7, sh(2026, 1, 24, 9), False)
    # 2026-01-31 16:30 UTC is 1 Feb 00:30 in Shanghai: the deadline is past.
    assert due_reminder(datetime(2026, 1, 31, 16, 30, tzinfo=UTC), s) is None
    with pytest.raises(ValueError):
        due_reminder(datetime(2026, 1, 24, 9), s)


def test_government_and_custom_windows() -> None:
    gov = Schedule(Role.GOVERNMENT)
    assert due_reminder(sh(2026, 1, 31, 9), gov) is None  # departments' day, not governments'
    assert due_reminder(sh(2026, 3, 1, 9), gov) == Due(2025, date(2026, 3, 31), 30, sh(2026, 3, 1, 9), False)
    assert due_reminder(sh(2026, 4, 1, 9), gov) is None
    custom = Schedule(Role.CUSTOM, (1, 26))
    assert due_reminder(sh(2025, 12, 27, 9), custom) == Due(
        2025, date(2026, 1, 26), 30, sh(2025, 12, 27, 9), False
    )
    assert due_reminder(sh(2026, 1, 26, 9), custom, done=[30, 14, 7, 3, 1]) == Due(
        2025, date(2026, 1, 26), 0, sh(2026, 1, 26, 9), False
    )


def test_default_offsets_fire_once_each_over_a_year_of_ticks() -> None:
    """Tick every 5 minutes from November to May: each default offset fires exactly once, on time."""
    for role, custom in ((Role.DEPARTMENT, None), (Role.GOVERNMENT, None), (Role.CUSTOM, (1, 26))):
        s = Schedule(role, custom)
        fired: list[Due] = []
        now = sh(2025, 11, 1)
        while now < sh(2026, 5, 1):
            due = due_reminder(now, s, done=[d.offset for d in fired if d.report_year == 2025])
            if due is not None:
                fired.append(due)
            now += timedelta(minutes=5)
        assert [d.offset for d in fired] == list(DEFAULT_OFFSETS)
        assert all(d.report_year == 2025 and not d.late for d in fired)
        assert [d.instant for d in fired] == list(reminder_instants(s, 2025).values())
