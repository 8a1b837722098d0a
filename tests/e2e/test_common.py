"""/start, /help, /lang, /privacy, command menus, errors and throttling, through the local Bot API."""

from __future__ import annotations

from pathlib import Path

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from handlers.i18n import t
from reports.runner import Checker
from tests.e2e.conftest import ADMIN_ID, Harness, start_harness, stop_harness


async def test_start_in_chinese_and_english(harness: Harness) -> None:
    c = harness.client
    zh_user = c.user(11, "王芳", language_code="zh-hans")
    en_user = c.user(12, "Anna", language_code="en-US")
    zh = await c.ask(zh_user, c.private(zh_user), "/start")
    en = await c.ask(en_user, c.private(en_user), "/start")
    assert zh.text.startswith("你好，王芳！我是年报助手。\n\n• 把政府信息公开工作年度报告（PDF、Word、TXT 或 HTML）发给我")
    assert en.text.startswith("Hello, Anna! I am Nianbao, the annual-report assistant.")
    assert zh.text.endswith("/help 查看全部命令。") and en.text.endswith("/help lists every command.")


async def test_lang_overrides_telegram_language_per_chat(harness: Harness) -> None:
    c = harness.client
    u = c.user(13, language_code="zh-hans")
    chat = c.private(u)
    assert (await c.ask(u, chat, "/lang fr")).text == "用法：/lang zh 或 /lang en"
    assert (await c.ask(u, chat, "/lang en")).text == "Language set to English."
    assert (await c.ask(u, chat, "/privacy")).text.startswith("Privacy: the reports you send are kept in this chat's own space")
    assert (await c.ask(u, chat, "/lang zh")).text == "已切换为中文。"
    assert (await c.ask(u, chat, "/privacy")).text.startswith("隐私说明：你发来的报告只保存在本聊天自己的空间里")


async def test_help_shows_admin_commands_to_admins_only(harness: Harness) -> None:
    c = harness.client
    admin, user = c.user(ADMIN_ID), c.user(14)
    a = await c.ask(admin, c.private(admin), "/help")
    u = await c.ask(user, c.private(user), "/help")
    assert a.text.endswith("管理员\n/publish 编号 发布到共享库\n/unpublish 编号 从共享库撤回")
    assert "/publish" not in u.text and u.text.startswith("命令\n/check 如何校验报告")


async def test_command_menus_in_zh_and_en(harness: Harness) -> None:
    menus = harness.server.commands
    zh = menus[('{"type": "default"}', "zh")]
    en = menus[('{"type": "default"}', "en")]
    assert [x["command"] for x in zh] == [x["command"] for x in en] == [
        "start", "help", "check", "ask", "stats", "agencies", "report", "export", "lang", "privacy", "delete",
        "remind", "roster",
    ]
    assert (zh[1]["description"], en[1]["description"]) == ("全部命令", "All commands")


async def test_a_failing_handler_gets_an_apology_not_a_traceback(tmp_path: Path, checker: Checker) -> None:
    boom = Router(name="boom")

    @boom.message(Command("boom"))
    async def fail(message: Message) -> None:
        raise RuntimeError("internal detail that must not leak")

    h = await start_harness(tmp_path, checker, routers=(boom,))
    try:
        c = h.client
        zh, en = c.user(15, language_code="zh"), c.user(16, language_code="en")
        assert (await c.ask(zh, c.private(zh), "/boom")).text == t("error", "zh")
        assert (await c.ask(en, c.private(en), "/boom")).text == (
            "Sorry, something went wrong with this message; it has been logged. Please try again later."
        )
        # and the bot keeps serving
        assert (await c.ask(en, c.private(en), "/lang zh")).text == "已切换为中文。"
    finally:
        await stop_harness(h)


async def test_throttling_per_user(harness: Harness) -> None:
    c = harness.client
    u, other = c.user(17), c.user(18)
    chat = c.private(u)
    since = c.mark()
    for _ in range(8):
        await c.send_text(u, chat, "/check")
    # Five answers and one warning, then nothing more however long the bot takes on a busy machine.
    await c.wait_for(lambda: len(c.events(since, chat, "send")) >= 6, what="six replies")
    await c.settle(quiet=1.0)
    texts = [e.message.text for e in c.events(since, chat, "send")]
    assert texts == [t("check", "zh")] * 5 + ["消息太快了，请稍等几秒再发。"]
    # another user is not affected
    assert (await c.ask(other, c.private(other), "/check")).text == t("check", "zh")


async def test_a_chat_that_writes_again_is_no_longer_marked_blocked(harness: Harness) -> None:
    from sqlalchemy import select

    from storage import repo
    from storage.models import Chat

    c = harness.client
    u = c.user(15)
    async with harness.sessionmaker() as s:
        await repo.set_chat_blocked(s, 15, True)
    assert (await c.ask(u, c.private(u), "/help")).text.startswith("命令\n")
    async with harness.sessionmaker() as s:
        assert (await s.execute(select(Chat.blocked).where(Chat.chat_id == 15))).scalar_one() is False
