"""The reminder scheduler (bot.scheduler) with a controlled clock: apscheduler's periodic job,
a restart, and two schedulers on one database ticking at the same time (PostgreSQL and SQLite)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduler import ReminderScheduler
from reports.deadlines import Role, Schedule
from storage import reminders as rem
from storage.db import make_engine, make_sessionmaker

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


class Clock:
    """A clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Outbox:
    def __init__(self, pause: float = 0.0) -> None:
        self.sent: list[tuple[int, str]] = []
        self.pause = pause

    async def __call__(self, chat_id: int, text: str) -> None:
        if self.pause:
            await asyncio.sleep(self.pause)  # lets the other scheduler's tick interleave
        self.sent.append((chat_id, text))


async def wait_for(cond, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_periodic_job_sends_once_and_restart_catches_up(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as s:
        await rem.subscribe(s, 1, Schedule(Role.DEPARTMENT), now=sh(2025, 12, 1))
    out, clock = Outbox(), Clock(sh(2026, 1, 24, 9))
    first = ReminderScheduler(sessionmaker, out, clock=clock, interval=0.02)
    first.start()
    try:
        await wait_for(lambda: first.ticks >= 10)  # many ticks in the same due window
    finally:
        await first.stop()
    assert [t.split("\n")[0] for _, t in out.sent] == [
        "⏰ 年报提醒：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 7 天"
    ]
    # Down until 30 Jan 10:00 (3 and 1 days fell due): at start the 1-day one goes once, late.
    clock.now = sh(2026, 1, 30, 10)
    second = ReminderScheduler(sessionmaker, out, clock=clock, interval=0.02)
    second.start()
    try:
        await wait_for(lambda: second.ticks >= 10)
    finally:
        await second.stop()
    assert len(out.sent) == 2
    assert out.sent[1][1].startswith("⏰ 年报提醒：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 1 天\n")
    assert out.sent[1][1].endswith("\n\n（本提醒因服务中断而延迟发出。）")


async def test_a_failing_tick_does_not_stop_the_job(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    def broken_clock() -> datetime:
        return datetime(2026, 1, 24, 9)  # naive: run_tick refuses it

    sched = ReminderScheduler(sessionmaker, Outbox(), clock=broken_clock, interval=0.02)
    assert await sched.tick() == []
    sched.start()
    try:
        await wait_for(lambda: sched.ticks >= 3)
        assert sched.running
    finally:
        await sched.stop()


@pytest.mark.parametrize("advisory_lock", [False, True], ids=["claim-only", "advisory-lock"])
async def test_two_schedulers_on_one_database_send_each_reminder_once(db_url: str, advisory_lock: bool) -> None:
    """Two processes' schedulers (two engines, two pools) tick at the same instants concurrently
    from 20 Dec to 2 Apr: every chat gets each of its six reminders exactly once."""
    from storage.db import upgrade

    await upgrade(db_url)
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        sessions = [make_sessionmaker(e) for e in engines]
        kinds = [Schedule(Role.DEPARTMENT), Schedule(Role.GOVERNMENT), Schedule(Role.CUSTOM, (1, 26))]
        async with sessions[0]() as s:
            for chat in range(1, 25):
                await rem.subscribe(s, chat, kinds[chat % 3], now=sh(2025, 12, 1))
        clock = Clock(sh(2025, 12, 20, 9))
        outs = [Outbox(pause=0.001), Outbox(pause=0.001)]
        scheds = [
            ReminderScheduler(sessions[i], outs[i], clock=clock, advisory_lock=advisory_lock) for i in range(2)
        ]
        while clock.now < sh(2026, 4, 2):
            await asyncio.gather(scheds[0].tick(), scheds[1].tick(), scheds[1].tick())
            clock.now += timedelta(hours=12)
        sent = outs[0].sent + outs[1].sent
        per_chat = Counter(chat for chat, _ in sent)
        assert per_chat == dict.fromkeys(range(1, 25), 6)
        assert len(set(sent)) == len(sent) == 24 * 6  # no text twice to the same chat
    finally:
        for e in engines:
            await e.dispose()
