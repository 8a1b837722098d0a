"""The bot on hostile input (issue 10, items 8 and 10): a 4,000-character file name, forged and
unparseable button data, numbers from questions beyond any bound. Each gets a plain answer."""

from __future__ import annotations

from localapi import LocalClient
from localapi.server import BotMessage, User
from tests.e2e.conftest import SAMPLES, Harness
from tests.e2e.test_documents import send_file


async def press_forged(c: LocalClient, user: User, message: BotMessage, data: str) -> str:
    """A callback query with any data on a bot message (press_button allows only the message's buttons)."""
    qid = f"forged{len(c.server.callback_queries)}{user.id}"
    query = {"id": qid, "from": user.to_json(), "chat_instance": str(message.chat_id),
             "message": c.server.message_json(message), "data": data}
    c.server.callback_queries[qid] = query
    await c.server.push_update({"callback_query": query})
    return qid


async def test_a_file_name_of_4000_characters_is_cut_for_display_and_checked(harness: Harness) -> None:
    c = harness.client
    u = c.user(71)
    chat = c.private(u)
    name = "灵宝" * 2000 + ".txt"
    since = c.mark()
    reply = await send_file(c, u, chat, name, (SAMPLES / "lingbao-2023.txt").read_bytes())
    assert reply.text.split("\n")[0] == "✅ 通过 · 灵宝市工业和信息化科技局 · 2023 年度"
    status = next(e.message for e in c.events(since, chat, "send"))
    shown = "灵宝" * 39 + "灵…" + "灵宝" * 18 + ".txt"
    assert len(shown) == 120
    assert status.history[0] == f"📥 已收到《{shown}》，正在下载…"


async def test_forged_and_unparseable_buttons_are_answered(harness: Harness) -> None:
    c = harness.client
    u = c.user(72)
    chat = c.private(u)
    r = await send_file(c, u, chat, "lingbao-2023.txt", (SAMPLES / "lingbao-2023.txt").read_bytes())
    for data in ("r:det:99999999999999999999", "r:det:-1", "r:det:0", "r:det:abc", "r:det", "r:", "r:pic:1:2"):
        qid = await press_forged(c, u, r, data)
        assert (await c.callback_answer(qid)) == {"text": "这份报告已不存在。", "show_alert": True}, data


async def test_questions_with_numbers_beyond_bounds_get_plain_answers(harness: Harness) -> None:
    c = harness.client
    u = c.user(73)
    chat = c.private(u)
    await send_file(c, u, chat, "lingbao-2023.txt", (SAMPLES / "lingbao-2023.txt").read_bytes())
    share = await c.ask(u, chat, "2023年予以公开占比")
    assert share.text == "请写明是哪个单位的占比，例如：“新乡市工信局2023年予以公开占比”。"
    top = await c.ask(u, chat, "2023年收到申请最多的前99999999999999999999名")
    lines = top.text.split("\n")
    assert lines[-1] == "（最多列出前 100 名）"
    assert lines[1].startswith("1. 灵宝市工业和信息化科技局")
