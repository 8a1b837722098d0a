"""Reminders end to end through the local Bot API server: /remind with its keyboards, the reminder a
subscribed chat receives from the bot's own scheduler (aiogram's send_message over HTTP), a 429
retried, /remind list and off, /roster with a CSV upload, and the days-until-deadline question.

The clock is the dispatcher's `reminder_clock` and the scheduler's clock; ticks are run by calling
the bot's own scheduler, so the test decides when time passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduler import ReminderScheduler
from localapi.server import BotMessage, Chat, User
from tests.conftest_db import make_report
from tests.e2e.conftest import Harness

SH = ZoneInfo("Asia/Shanghai")
A = "灵宝市工业和信息化科技局"
B = "新乡市工业和信息化局"
HOW = "把报告草稿（PDF、DOCX、TXT 或 HTML）发给我，几秒内就能知道表格是否平衡、哪里有错。"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def controlled(h: Harness, now: datetime) -> tuple[Clock, ReminderScheduler]:
    clock = Clock(now)
    h.dp["reminder_clock"] = clock  # read by the handlers on every update
    sched: ReminderScheduler = h.dp["reminder_scheduler"]  # started by the dispatcher's startup hook
    assert sched.running
    sched.clock = clock
    return clock, sched


async def press(h: Harness, user: User, chat: Chat, msg: BotMessage, data: str) -> BotMessage:
    since = h.client.mark()
    await h.client.press_button(user, msg, data)
    await h.client.next_event(chat, since, "edit")
    return msg  # edited in place


async def test_subscribe_with_keyboards_and_receive_the_reminder(quiet: Harness) -> None:
    h, c = quiet, quiet.client
    clock, sched = controlled(h, datetime(2026, 1, 20, 10, tzinfo=SH))
    user = c.user(301, "李娜")
    chat = c.private(user)

    msg = await c.ask(user, chat, "/remind")
    assert msg.text.startswith("设置年报提醒。本聊天按哪个截止日提醒？")
    assert msg.button_data() == ["rm:role:department", "rm:role:government", "rm:role:custom", "rm:cancel"]
    await press(h, user, chat, msg, "rm:role:department")
    # No roster and no stored report: no agency to choose, straight to the offsets.
    assert msg.text == "提前几天提醒？点按切换，选好后点“下一步”。"
    assert msg.button_texts()[:6] == ["✅ 30天", "✅ 14天", "✅ 7天", "✅ 3天", "✅ 1天", "✅ 当天"]
    await press(h, user, chat, msg, "rm:off:14")
    assert msg.button_texts()[1] == "▫️ 14天"
    await press(h, user, chat, msg, "rm:off:next")
    assert msg.text == "每次几点提醒？（Asia/Shanghai）"
    await press(h, user, chat, msg, "rm:hour:9")
    assert msg.text == (
        "✅ 已设置提醒：部门，截止 2026年1月31日；提前 30、7、3、1 天及当天，09:00（Asia/Shanghai）\n"
        "2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 11 天"
    )
    assert msg.buttons == []

    # 24 January 09:00: the bot's scheduler sends the 7-day reminder through the Bot API, once.
    clock.now = datetime(2026, 1, 24, 9, tzinfo=SH)
    since = c.mark()
    outcomes = await sched.tick()
    assert [(o.chat_id, o.offset, o.result) for o in outcomes] == [(301, 7, "sent")]
    reminder = await c.next_message(chat, since)
    assert reminder.text == f"⏰ 年报提醒：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 7 天\n{HOW}"
    clock.now += timedelta(minutes=5)
    assert await sched.tick() == []
    assert [e.message.text for e in c.events(since, chat, "send") if e.message] == [reminder.text]

    # Telegram says 429: the reminder is retried after retry_after, and arrives once.
    clock.now = datetime(2026, 1, 28, 9, tzinfo=SH)
    h.server.flood("sendMessage", times=1, retry_after=20)
    since = c.mark()
    assert [(o.offset, o.result) for o in await sched.tick()] == [(3, "failed")]
    clock.now += timedelta(seconds=19)
    assert await sched.tick() == []
    clock.now += timedelta(seconds=1)
    assert [(o.offset, o.result) for o in await sched.tick()] == [(3, "sent")]
    texts = [e.message.text for e in c.events(since, chat, "send") if e.message]
    assert texts == [f"⏰ 年报提醒：2025年政府信息公开工作年度报告，截止 2026年1月31日，还有 3 天\n{HOW}"]


async def test_custom_deadline_agency_list_and_off(quiet: Harness) -> None:
    h, c = quiet, quiet.client
    clock, sched = controlled(h, datetime(2026, 1, 5, 10, tzinfo=SH))
    user = c.user(302, "Tom", language_code="en-US")
    chat = c.private(user)
    assert (await c.ask(user, chat, "/roster add 灵宝市工业和信息化科技局，新乡市工业和信息化局")).text == (
        f"Added 2 to the roster: {A}, {B}"
    )
    msg = await c.ask(user, chat, "/remind")
    await press(h, user, chat, msg, "rm:role:custom")
    assert msg.text == "Which month is the local deadline in?"
    await press(h, user, chat, msg, "rm:month:1")
    assert msg.text == "Which day of January?"
    assert msg.button_data()[-2:] == ["rm:day:31", "rm:cancel"]
    await press(h, user, chat, msg, "rm:day:26")
    assert msg.text.startswith("Which agency is this reminder for?")
    assert msg.button_texts() == [A, B, "No particular agency", "Cancel"]
    await press(h, user, chat, msg, "rm:ag:0")
    await press(h, user, chat, msg, "rm:off:next")
    await press(h, user, chat, msg, "rm:hour:8")
    assert msg.text == (
        f"✅ Reminder set: local deadline, due 26 January 2026 ({A}); 30, 14, 7, 3 and 1 days before and on the day, "
        "at 08:00 (Asia/Shanghai)\n"
        f"The 2025 annual report on government information disclosure of {A} is due on 26 January 2026: 21 days left"
    )
    listing = await c.ask(user, chat, "/remind list")
    assert listing.text == (
        "Reminders in this chat:\n"
        f"1. local deadline, due 26 January 2026 ({A}); 30, 14, 7, 3 and 1 days before and on the day, at 08:00 (Asia/Shanghai)"
    )
    assert (await c.ask(user, chat, "how many days until the deadline?")).text == (
        f"Local deadline: The 2025 annual report on government information disclosure of {A} "
        "is due on 26 January 2026: 21 days left"
    )

    # A failing draft of the agency is stored in this chat: the reminder says so, with the digest.
    async with h.sessionmaker() as s:
        from storage.repo import save_report
        from tests.conftest_db import balance_error

        await save_report(s, make_report(A, 2025, findings=[balance_error("total", 3, 2)]), workspace="chat:302")
    clock.now = datetime(2026, 1, 12, 8, tzinfo=SH)
    since = c.mark()
    assert [(o.chat_id, o.offset) for o in await sched.tick()] == [(302, 14)]
    got = await c.next_message(chat, since)
    assert got.text == (
        f"⏰ Reminder: The 2025 annual report on government information disclosure of {A} is due on "
        "26 January 2026: 14 days left\n"
        "Your stored draft still has 1 error: send the corrected file to check it again.\n\n"
        "Roster: 2 agencies (reports on 2025)\n"
        "✅ submitted and passing (0): none\n"
        f"⚠️ submitted with errors (1): {A} (1 error)\n"
        f"❌ missing (1): {B}"
    )

    # Switched off from the list's button: no more reminders.
    listing = await c.ask(user, chat, "/remind list")
    await press(h, user, chat, listing, listing.button_data()[0])
    assert listing.text == "No reminders in this chat yet. Send /remind to set one."
    clock.now = datetime(2026, 1, 19, 8, tzinfo=SH)
    assert await sched.tick() == []


async def test_roster_commands_and_csv_upload(quiet: Harness) -> None:
    h, c = quiet, quiet.client
    controlled(h, datetime(2026, 2, 10, 10, tzinfo=SH))
    user = c.user(303, "王芳")
    chat = c.private(user)
    assert (await c.ask(user, chat, "/roster")).text.startswith("名单（你督促提交年报的单位）\n/roster add 单位全称")
    since = c.mark()
    await c.send_document(user, chat, "名单.csv", f"序号,单位名称\n1,{A}\n2,{B}\n3,蒙城县工业和信息化局\n".encode())
    assert (await c.next_message(chat, since)).text == f"已加入名单 3 个：{A}、{B}、蒙城县工业和信息化局"
    assert (await c.ask(user, chat, "/roster remove 蒙城县工业和信息化局")).text == "已从名单移除 1 个：蒙城县工业和信息化局"
    assert (await c.ask(user, chat, "/roster list")).text == f"名单共 2 个单位：\n1. {A}\n2. {B}"
    async with h.sessionmaker() as s:
        from storage.repo import save_report

        await save_report(s, make_report(A, 2025), workspace="chat:303")
    assert (await c.ask(user, chat, "/roster status")).text == (
        "名单共 2 个单位（2025年度报告）：\n"
        f"✅ 已提交且通过 1：{A}\n"
        "⚠️ 已提交但有错误 0：无\n"
        f"❌ 未提交 1：{B}"
    )
    # Without a subscription the answer covers both legal deadlines (10 Feb: departments owe 2026's now).
    assert (await c.ask(user, chat, "离截止还有几天？")).text == (
        "部门：2026年政府信息公开工作年度报告，截止 2027年1月31日，还有 355 天\n"
        "人民政府：2025年政府信息公开工作年度报告，截止 2026年3月31日，还有 49 天"
    )
    assert (await c.ask(user, chat, "/remind off")).text == "已关闭本聊天的 0 个提醒。"


async def test_remind_with_agency_named_and_cancel(quiet: Harness) -> None:
    h, c = quiet, quiet.client
    clock, sched = controlled(h, datetime(2026, 3, 2, 10, tzinfo=SH))
    user = c.user(304, "张伟")
    chat = c.private(user)
    msg = await c.ask(user, chat, "/remind")
    await press(h, user, chat, msg, "rm:cancel")
    assert msg.text == "已取消，没有设置提醒。"
    msg = await c.ask(user, chat, "/remind 灵宝市人民政府")
    await press(h, user, chat, msg, "rm:role:government")
    assert msg.text.startswith("提前几天提醒？")  # the agency was named: no agency step
    await press(h, user, chat, msg, "rm:off:next")
    await press(h, user, chat, msg, "rm:hour:10")
    assert msg.text == (
        "✅ 已设置提醒：人民政府，截止 2026年3月31日（灵宝市人民政府）；提前 30、14、7、3、1 天及当天，10:00（Asia/Shanghai）\n"
        "灵宝市人民政府2025年政府信息公开工作年度报告，截止 2026年3月31日，还有 29 天"
    )
    assert msg.buttons == []  # the finished setup keeps no keyboard
    clock.now = datetime(2026, 3, 17, 10, tzinfo=SH)
    since = c.mark()
    assert [(o.chat_id, o.offset) for o in await sched.tick()] == [(304, 14)]
    assert (await c.next_message(chat, since)).text == (
        f"⏰ 年报提醒：灵宝市人民政府2025年政府信息公开工作年度报告，截止 2026年3月31日，还有 14 天\n{HOW}"
    )
