"""Reminders from the database with a controlled clock, on SQLite and PostgreSQL: the dates, every
offset once, stop after a passing upload, the failing draft, roster digests, restarts, failures,
a chat that blocked the bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.reminder_texts import render_days_left, render_digest, render_reminder
from reports.deadlines import Role, Schedule
from storage import reminders as rem
from storage.db import make_engine, make_sessionmaker
from storage.models import Chat
from storage.reminder_models import SentReminder
from storage.repo import get_or_create_chat, save_report, set_chat_lang
from tests.conftest_db import balance_error, make_report

SH = ZoneInfo("Asia/Shanghai")
HOW = "把报告草稿（PDF、DOCX、TXT 或 HTML）发给我，几秒内就能知道表格是否平衡、哪里有错。"
LATE = "（本提醒因服务中断而延迟发出。）"
A = "灵宝市工业和信息化科技局"
B = "新乡市工业和信息化局"
C = "蒙城县工业和信息化局"
D = "汶上县工业和信息化局"


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


class Outbox:
    """A sender that records what it sends; `failures` makes chosen chats fail with an exception."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures: dict[int, BaseException] = {}

    async def __call__(self, chat_id: int, text: str) -> None:
        if chat_id in self.failures:
            raise self.failures[chat_id]
        self.sent.append((chat_id, text))

    def take(self) -> list[tuple[int, str]]:
        out, self.sent = self.sent, []
        return out


async def tick(sessions: async_sessionmaker[AsyncSession], sender: rem.Sender, now: datetime) -> list[rem.Outcome]:
    """One tick with the bot's texts."""
    return await rem.run_tick(sessions, sender, now, render=render_reminder)


async def subscribe(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, schedule: Schedule, agency: str | None = None,
    now: datetime | None = None,
) -> int:  # fmt: skip
    async with sessions() as s:
        sub = await rem.subscribe(s, chat_id, schedule, agency, now=now or sh(2025, 12, 1))
        return sub.id  # type: ignore[return-value]


async def store(sessions: async_sessionmaker[AsyncSession], agency: str, year: int, errors: int, chat_id: int | None,
                tag: str = "") -> None:  # fmt: skip
    report = make_report(agency, year, tag=tag, findings=[balance_error("total", 5, 4 + i) for i in range(errors)])
    async with sessions() as s:
        await save_report(s, report, workspace="library" if chat_id is None else f"chat:{chat_id}")


async def sent_rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, int, int, str, bool, int]]:
    async with sessions() as s:
        q = select(SentReminder).order_by(SentReminder.id)
        return [
            (r.subscription_id, r.report_year, r.offset_days, r.status, r.late, r.attempts)
            for r in (await s.execute(q)).scalars()
        ]


def text(days: int, deadline: str = "2026年1月31日", agency: str = "", extra: str = HOW) -> str:
    left = "今天截止" if days == 0 else f"还有 {days} 天"
    return f"⏰ 年报提醒：{agency}2025年政府信息公开工作年度报告，截止 {deadline}，{left}\n{extra}"


# ---------------------------------------------------------------- dates and offsets


async def test_department_reminder_across_new_year(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    sub = await subscribe(sessionmaker, 100, Schedule(Role.DEPARTMENT))
    assert await tick(sessionmaker, out, sh(2025, 12, 31, 23, 59)) == []
    got = await tick(sessionmaker, out, sh(2026, 1, 1, 9))
    assert got == [rem.Outcome(sub, 100, 2025, 30, False, "sent", text(30))]
    assert out.take() == [(100, text(30))]
    assert await tick(sessionmaker, out, sh(2026, 1, 1, 9, 1)) == []
    assert await sent_rows(sessionmaker) == [(sub, 2025, 30, "sent", False, 1)]


async def test_every_default_offset_fires_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Ticks every 3 hours from 20 Dec to 2 Apr: departments (31 Jan), governments (31 Mar) and a
    local deadline of 26 Jan each get the six default reminders, once, on time, in order."""
    out = Outbox()
    dep = await subscribe(sessionmaker, 1, Schedule(Role.DEPARTMENT))
    gov = await subscribe(sessionmaker, 2, Schedule(Role.GOVERNMENT))
    cus = await subscribe(sessionmaker, 3, Schedule(Role.CUSTOM, (1, 26)))
    now, outcomes = sh(2025, 12, 20), []
    while now < sh(2026, 4, 2):
        outcomes += [(o.subscription_id, o.offset, o.late, o.result, now) for o in await tick(sessionmaker, out, now)]
        now += timedelta(hours=3)
    expected = []
    for sub, (month, day) in ((dep, (1, 31)), (gov, (3, 31)), (cus, (1, 26))):
        for offset in (30, 14, 7, 3, 1, 0):
            expected.append((sub, offset, False, "sent", datetime(2026, month, day, 9, tzinfo=SH) - timedelta(days=offset)))
    assert sorted(outcomes, key=lambda o: (o[0], o[4])) == expected
    assert [t for c, t in out.sent if c == 2] == [text(d, "2026年3月31日") for d in (30, 14, 7, 3, 1, 0)]
    assert [t for c, t in out.sent if c == 3] == [text(d, "2026年1月26日") for d in (30, 14, 7, 3, 1, 0)]
    assert len(await sent_rows(sessionmaker)) == 18


async def test_custom_offsets_hour_and_zone(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    berlin = ZoneInfo("Europe/Berlin")
    sub = await subscribe(sessionmaker, 7, Schedule(Role.CUSTOM, (1, 26), offsets=(10, 2), hour=18, tz="Europe/Berlin"))
    assert await tick(sessionmaker, out, datetime(2026, 1, 16, 17, 59, tzinfo=berlin)) == []
    got = await tick(sessionmaker, out, datetime(2026, 1, 16, 18, 0, tzinfo=berlin))
    assert [(o.subscription_id, o.offset, o.late) for o in got] == [(sub, 10, False)]
    assert out.take() == [(7, text(10, "2026年1月26日"))]


async def test_english_chat(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    async with sessionmaker() as s:
        await set_chat_lang(s, 5, "en")
    await subscribe(sessionmaker, 5, Schedule(Role.GOVERNMENT, offsets=(1,)), "Lingbao Government")
    await tick(sessionmaker, out, sh(2026, 3, 30, 9))
    assert out.take() == [(5, (
        "⏰ Reminder: The 2025 annual report on government information disclosure of Lingbao Government "
        "is due on 31 March 2026: 1 day left\n"
        "Send me the draft (PDF, DOCX, TXT or HTML) and within seconds you know whether its tables balance."
    ))]  # fmt: skip


async def test_subscriber_language_unless_the_chat_chose_one(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    async with sessionmaker() as s:
        await rem.subscribe(s, 6, Schedule(Role.DEPARTMENT, offsets=(7, 3)), lang="en", now=sh(2025, 12, 1))
    await tick(sessionmaker, out, sh(2026, 1, 24, 9))
    async with sessionmaker() as s:
        await set_chat_lang(s, 6, "zh")  # /lang zh in the chat wins over the subscriber's language
    await tick(sessionmaker, out, sh(2026, 1, 28, 9))
    assert [t.split("\n")[0] for _, t in out.take()] == [
        "⏰ Reminder: The 2025 annual report on government information disclosure is due on 31 January 2026: "
        "7 days left",
        "⏰ 年报提醒：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 3 天",
    ]


# ---------------------------------------------------------------- stored reports


async def test_stop_after_passing_upload_and_failing_draft(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 10, Schedule(Role.DEPARTMENT), A)
    await tick(sessionmaker, out, sh(2026, 1, 1, 9))
    assert out.take() == [(10, text(30, agency=A))]
    # A failing draft in the chat's workspace: the next reminder says how many errors it still has.
    await store(sessionmaker, A, 2025, 2, 10)
    await tick(sessionmaker, out, sh(2026, 1, 17, 9))
    assert out.take() == [(10, text(14, agency=A, extra="你存储的草稿仍有 2 处错误，改正后重新发给我即可复核。"))]
    # Another agency's passing report, or this agency's report of another year, changes nothing.
    await store(sessionmaker, B, 2025, 0, 10)
    await store(sessionmaker, A, 2024, 0, 10)
    await tick(sessionmaker, out, sh(2026, 1, 24, 9))
    assert out.take() == [(10, text(7, agency=A, extra="你存储的草稿仍有 2 处错误，改正后重新发给我即可复核。"))]
    # The corrected file passes: the remaining reminders of 2025 stop.
    await store(sessionmaker, A, 2025, 0, 10, tag="v2")
    for day in (28, 30, 31):
        assert await tick(sessionmaker, out, sh(2026, 1, day, 9)) == []
    assert out.take() == []


async def test_passing_report_in_library_or_with_region_prefix_stops(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 11, Schedule(Role.DEPARTMENT), A)
    await subscribe(sessionmaker, 12, Schedule(Role.DEPARTMENT), B)
    await subscribe(sessionmaker, 13, Schedule(Role.DEPARTMENT), C)
    await store(sessionmaker, "河南省三门峡市" + A, 2025, 0, None)  # the shared library, full region name
    await store(sessionmaker, B, 2025, 0, 99)  # another chat's private draft: not seen by chat 12
    await tick(sessionmaker, out, sh(2026, 1, 1, 9))
    assert sorted(c for c, _ in out.take()) == [12, 13]


async def test_roster_digest(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    async with sessionmaker() as s:
        assert await rem.roster_add(s, 20, [A, f" {B} ", C, D, "灵宝市工业和信息化科技局", ""]) == [A, B, C, D]
        assert await rem.roster_remove(s, 20, [D, "not there"]) == [D]
        assert [r.agency for r in await rem.roster_of(s, 20)] == [A, B, C]
    await store(sessionmaker, A, 2025, 0, 20)
    await store(sessionmaker, B, 2025, 3, 20)
    await store(sessionmaker, C, 2025, 0, 21)  # submitted to another chat only: missing here
    await subscribe(sessionmaker, 20, Schedule(Role.GOVERNMENT, offsets=(7,)))
    await tick(sessionmaker, out, sh(2026, 3, 24, 9))
    digest = (
        "名单共 3 个单位（2025年度报告）：\n"
        f"✅ 已提交且通过 1：{A}\n"
        f"⚠️ 已提交但有错误 1：{B}（3 处错误）\n"
        f"❌ 未提交 1：{C}"
    )
    assert out.take() == [(20, text(7, "2026年3月31日", extra=HOW + "\n\n" + digest))]
    async with sessionmaker() as s:
        d = await rem.roster_digest(s, 20, 2025)
    assert d == rem.Digest(2025, [A], [(B, 3)], [C])
    assert render_digest("en", d) == (
        "Roster: 3 agencies (reports on 2025)\n"
        f"✅ submitted and passing (1): {A}\n"
        f"⚠️ submitted with errors (1): {B} (3 errors)\n"
        f"❌ missing (1): {C}"
    )


# ---------------------------------------------------------------- restarts and downtime


async def test_restart_in_the_middle_of_a_due_window(db_url: str, engine: AsyncEngine) -> None:
    """Process 1 sends the 7-day reminder and stops; process 2 (a new engine) starts minutes later
    in the same window: nothing is sent twice, and the next one still comes."""
    out = Outbox()
    first = make_sessionmaker(engine)
    sub = await subscribe(first, 30, Schedule(Role.DEPARTMENT))
    await tick(first, out, sh(2026, 1, 24, 9))
    await engine.dispose()
    second_engine = make_engine(db_url)
    try:
        second = make_sessionmaker(second_engine)
        for t in (sh(2026, 1, 24, 9, 5), sh(2026, 1, 24, 12), sh(2026, 1, 27, 23)):
            assert await tick(second, out, t) == []
        got = await tick(second, out, sh(2026, 1, 28, 9))
        assert [(o.offset, o.late) for o in got] == [(3, False)]
        assert await sent_rows(second) == [(sub, 2025, 7, "sent", False, 1), (sub, 2025, 3, "sent", False, 1)]
    finally:
        await second_engine.dispose()
    assert out.take() == [(30, text(7)), (30, text(3))]


async def test_downtime_sends_only_the_latest_missed_once_and_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    out = Outbox()
    sub = await subscribe(sessionmaker, 31, Schedule(Role.DEPARTMENT))
    await tick(sessionmaker, out, sh(2026, 1, 1, 9))  # 30 days: on time
    # Down from 2 Jan to 25 Jan 10:00: 14 and 7 days fell due; only 7 goes, marked late, once.
    got = await tick(sessionmaker, out, sh(2026, 1, 25, 10))
    assert [(o.offset, o.late, o.result) for o in got] == [(7, True, "sent")]
    assert await tick(sessionmaker, out, sh(2026, 1, 25, 10, 1)) == []
    assert out.take() == [(31, text(30)), (31, text(6) + "\n\n" + LATE)]
    assert await sent_rows(sessionmaker) == [(sub, 2025, 30, "sent", False, 1), (sub, 2025, 7, "sent", True, 1)]


async def test_downtime_over_the_deadline_sends_nothing(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 32, Schedule(Role.DEPARTMENT))
    await tick(sessionmaker, out, sh(2026, 1, 29, 9))
    out.take()
    assert await tick(sessionmaker, out, sh(2026, 2, 2, 9)) == []
    assert out.take() == []


async def test_subscribing_mid_window_skips_earlier_instants(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 33, Schedule(Role.DEPARTMENT), now=sh(2026, 1, 25, 10))
    assert await tick(sessionmaker, out, sh(2026, 1, 25, 10, 1)) == []
    got = await tick(sessionmaker, out, sh(2026, 1, 28, 9))
    assert [(o.offset, o.late) for o in got] == [(3, False)]


class Crash(BaseException):
    """The process dies in the middle of a send."""


async def test_crash_between_claim_and_send_is_resent_after_the_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    out = Outbox()
    sub = await subscribe(sessionmaker, 34, Schedule(Role.DEPARTMENT))
    out.failures[34] = Crash()
    with pytest.raises(Crash):
        await tick(sessionmaker, out, sh(2026, 1, 24, 9))
    del out.failures[34]
    assert await sent_rows(sessionmaker) == [(sub, 2025, 7, "claimed", False, 0)]
    assert await tick(sessionmaker, out, sh(2026, 1, 24, 9, 9)) == []  # the claim may still be alive
    got = await tick(sessionmaker, out, sh(2026, 1, 24, 9, 10))
    assert [(o.offset, o.result) for o in got] == [(7, "sent")]
    assert await tick(sessionmaker, out, sh(2026, 1, 24, 9, 30)) == []
    assert out.take() == [(34, text(7))]
    assert await sent_rows(sessionmaker) == [(sub, 2025, 7, "sent", False, 1)]


# ---------------------------------------------------------------- failures


async def test_failed_send_is_retried_later(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    sub = await subscribe(sessionmaker, 40, Schedule(Role.DEPARTMENT))
    out.failures[40] = rem.SendRetryLater("Too Many Requests", retry_after=30)
    got = await tick(sessionmaker, out, sh(2026, 1, 24, 9))
    assert [(o.offset, o.result) for o in got] == [(7, "failed")]
    out.failures[40] = ConnectionError("network down")
    assert await tick(sessionmaker, out, sh(2026, 1, 24, 9, 0) + timedelta(seconds=29)) == []
    got = await tick(sessionmaker, out, sh(2026, 1, 24, 9, 0) + timedelta(seconds=30))
    assert [(o.offset, o.result) for o in got] == [(7, "failed")]
    async with sessionmaker() as s:
        row = (await s.execute(select(SentReminder))).scalar_one()
    # The second failure waits 2 minutes (exponential backoff from 1 minute).
    assert rem._utc(row.next_try_at) == (sh(2026, 1, 24, 9, 2) + timedelta(seconds=30)).astimezone(UTC)
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "ConnectionError: network down")
    del out.failures[40]
    assert await tick(sessionmaker, out, sh(2026, 1, 24, 9, 2) + timedelta(seconds=29)) == []
    got = await tick(sessionmaker, out, sh(2026, 1, 24, 9, 2) + timedelta(seconds=30))
    assert [(o.offset, o.result) for o in got] == [(7, "sent")]
    assert out.take() == [(40, text(7))]
    assert await sent_rows(sessionmaker) == [(sub, 2025, 7, "sent", False, 3)]


async def test_blocked_chat_is_marked_and_skipped(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 50, Schedule(Role.DEPARTMENT))
    await subscribe(sessionmaker, 51, Schedule(Role.DEPARTMENT))
    out.failures[50] = rem.SendBlocked("Forbidden: bot was blocked by the user")
    got = await tick(sessionmaker, out, sh(2026, 1, 24, 9))
    assert [(o.chat_id, o.result) for o in got] == [(50, "blocked"), (51, "sent")]
    async with sessionmaker() as s:
        assert (await s.execute(select(Chat.blocked).where(Chat.chat_id == 50))).scalar_one() is True
    # The blocked chat is not tried again: neither for this reminder nor for the next ones.
    del out.failures[50]
    assert await tick(sessionmaker, out, sh(2026, 1, 24, 12)) == []
    got = await tick(sessionmaker, out, sh(2026, 1, 28, 9))
    assert [(o.chat_id, o.offset) for o in got] == [(51, 3)]
    assert [c for c, _ in out.take()] == [51, 51]


def test_classify_aiogram_errors() -> None:
    from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter
    from aiogram.methods import SendMessage

    method = SendMessage(chat_id=1, text="x")
    assert rem.classify_failure(TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")) == (
        "blocked",
        None,
    )
    assert rem.classify_failure(TelegramRetryAfter(method, "Too Many Requests", 17)) == ("retry", 17.0)
    assert rem.classify_failure(TelegramNetworkError(method, "timeout")) == ("retry", None)


# ---------------------------------------------------------------- subscriptions and text


async def test_subscribe_update_list_and_off(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s:
        first = await rem.subscribe(s, 60, Schedule(Role.DEPARTMENT), A)
        again = await rem.subscribe(s, 60, Schedule(Role.DEPARTMENT, offsets=(7, 1), hour=8), " " + A)
        other = await rem.subscribe(s, 60, Schedule(Role.GOVERNMENT))
        assert again.id == first.id
        subs = await rem.subscriptions_of(s, 60)
        assert [(x.id, x.role, x.offsets, x.hour, x.agency) for x in subs] == [
            (first.id, "department", [7, 1], 8, A),
            (other.id, "government", [30, 14, 7, 3, 1, 0], 9, None),
        ]
        assert await rem.unsubscribe(s, 60, other.id) == 1
        assert [x.id for x in await rem.subscriptions_of(s, 60)] == [first.id]
        assert await rem.unsubscribe(s, 60) == 1
        assert await rem.subscriptions_of(s, 60) == []
        assert len(await rem.subscriptions_of(s, 60, active_only=False)) == 2
    out = Outbox()
    assert await tick(sessionmaker, out, sh(2026, 1, 30, 8)) == []


async def test_unsubscribed_and_resubscribed_chat(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    out = Outbox()
    await subscribe(sessionmaker, 61, Schedule(Role.DEPARTMENT))
    async with sessionmaker() as s:
        await rem.unsubscribe(s, 61)
    assert await tick(sessionmaker, out, sh(2026, 1, 1, 9)) == []
    async with sessionmaker() as s:
        await get_or_create_chat(s, 61)
    await subscribe(sessionmaker, 61, Schedule(Role.DEPARTMENT), now=sh(2026, 1, 2))
    got = await tick(sessionmaker, out, sh(2026, 1, 17, 9))
    assert [(o.chat_id, o.offset) for o in got] == [(61, 14)]


def test_render_days_left() -> None:
    today = sh(2026, 1, 24).date()
    assert render_days_left("zh", today) == (
        "部门：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 7 天\n"
        "人民政府：2025年政府信息公开工作年度报告，截止 2026年3月31日，还有 66 天"
    )
    assert render_days_left("en", today, [(Schedule(Role.CUSTOM, (1, 24)), A)]) == (
        f"Local deadline: The 2025 annual report on government information disclosure of {A} "
        "is due on 24 January 2026: due today"
    )


def test_names_from_csv_and_xlsx() -> None:
    import io

    import openpyxl

    csv_bytes = f"序号,单位名称\n1,{A}\n2, {B} \n\n3,{C}\n".encode()
    assert rem.names_from_file(csv_bytes) == [A, B, C]
    assert rem.names_from_file(f"{A}\r\n{B}\r\n".encode("gb18030")) == [A, B]
    assert rem.names_from_file(b"\xef\xbb\xbfname\n" + A.encode()) == [A]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位"])
    ws.append([A])
    ws.append([None, B])
    buf = io.BytesIO()
    wb.save(buf)
    assert rem.names_from_file(buf.getvalue(), "roster.xlsx") == [A, B]
    with pytest.raises(ValueError):
        rem.names_from_file(b"PK\x03\x04not a workbook")
    with pytest.raises(ValueError):
        rem.names_from_file(b"\x00\x01\x02\xff\xfe")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("离截止还有几天", True),
        ("离截止还有几天？", True),
        ("距离截止日期还剩多少天", True),
        ("年报什么时候截止", True),
        ("截止还有几天", True),
        ("How many days until the deadline?", True),
        ("how much time is left before the deadline", True),
        ("days left until the deadline", True),
        ("When is the deadline?", True),
        ("灵宝市2023年新收申请多少件", False),
        ("/remind", False),
        ("how many applications in 2023", False),
        ("", False),
    ],
)
def test_deadline_question(question: str, expected: bool) -> None:
    from handlers.reminders import is_deadline_question

    assert is_deadline_question(question) is expected


def test_long_digest_fits_one_message() -> None:
    from datetime import date

    from reports.deadlines import Due

    names = [f"某某省某某市第{i}号工业和信息化局" for i in range(200)]
    digest = rem.Digest(2025, names[:70], [(n, 2) for n in names[70:140]], names[140:])
    text_ = render_reminder(rem.Reminder("zh", Due(2025, date(2026, 1, 31), 7, sh(2026, 1, 24, 9), True), 7, digest=digest))
    assert len(text_) <= 4096
    assert "✅ 已提交且通过 70：" in text_ and "…等 30 个" in text_
