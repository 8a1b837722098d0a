"""A report file through the bot: every sample's verdict, the status messages, the buttons, bad inputs."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image

from localapi import LocalClient
from localapi.server import BotMessage, Chat, User
from reports.readers.ocr_model import installed
from storage import repo
from tests.e2e.conftest import ADMIN_ID, SAMPLES, Harness

OCR = installed()  # pictures are read by OCR (the optional extra), else refused

VERDICTS = {
    "huaian-2024.pdf": ("✅ 通过 · 淮安市人民政府 · 2024 年度", "✅ Pass · 淮安市人民政府 · 2024"),
    "lingbao-2023.txt": ("✅ 通过 · 灵宝市工业和信息化科技局 · 2023 年度", "✅ Pass · 灵宝市工业和信息化科技局 · 2023"),
    "xinxiang-2023.txt": ("✅ 通过 · 新乡市工业和信息化局 · 2023 年度", "✅ Pass · 新乡市工业和信息化局 · 2023"),
    "template-2021.docx": ("❌ 未通过 · （未识别机关） · （未识别年度）", "❌ Fail · (agency not identified) · (year not identified)"),
}


def _bad_xinxiang() -> bytes:
    """xinxiang-2023 with one wrong cell: 予以公开 by natural persons 3 (and a total of 2)."""
    s = (SAMPLES / "xinxiang-2023.txt").read_text(encoding="utf-8")
    row = "三、本年度办理结果\t(一) 予以公开\t0\t0\t0\t0\t0\t0\t0"
    assert row in s
    return s.replace(row, "三、本年度办理结果\t(一) 予以公开\t3\t0\t0\t0\t0\t0\t2").encode()


async def send_file(c: LocalClient, user: User, chat: Chat, name: str, data: bytes, timeout: float = 30) -> BotMessage:
    """Send a file and return the bot's final word on it (the message that is not a status)."""
    since = c.mark()
    await c.send_document(user, chat, name, data)
    return await c.wait_message(
        chat, lambda m: not m.body.startswith(("📥", "⏳", "🔎", "🔍")) or m.deleted, since, timeout
    )


@pytest.mark.parametrize("name", sorted(VERDICTS))
async def test_every_sample_gets_its_verdict(harness: Harness, name: str) -> None:
    c = harness.client
    expected = json.loads((SAMPLES / name.replace(name.rsplit(".", 1)[1], "expected.json")).read_text()) if name != "template-2021.docx" else None
    zh, en = c.user(21, language_code="zh-hans"), c.user(22, language_code="en")
    data = (SAMPLES / name).read_bytes()
    r_zh = await send_file(c, zh, c.private(zh), name, data)
    r_en = await send_file(c, en, c.private(en), name, data)
    assert r_zh.text.split("\n")[0] == VERDICTS[name][0]
    assert r_en.text.split("\n")[0] == VERDICTS[name][1]
    if expected is not None:
        assert expected["verdict"] == "pass"
        assert r_zh.text.split("\n")[1].startswith("格式：2021 · 错误 0 · 提醒 ")
    else:  # the empty official template: three empty tables, no agency, no year
        assert r_zh.text == (
            "❌ 未通过 · （未识别机关） · （未识别年度）\n格式：2021 · 错误 3 · 提醒 2 · 报告 #1\n\n"
            "二、主动公开政府信息情况\n❌ 第二部分表格全部为空，没有填写任何数字。\n\n"
            "三、收到和处理政府信息公开申请情况\n❌ 第三部分表格全部为空，没有填写任何数字。\n\n"
            "四、政府信息公开行政复议、行政诉讼情况\n❌ 第四部分表格全部为空，没有填写任何数字。\n\n"
            "其他\n⚠️ 报告标题未写明是哪个机关的年度报告。\n⚠️ 报告标题未写明报告年度。"
        )
    assert r_zh.button_data() == ["r:det:1", "r:pic:1", "r:del:1"]
    assert r_en.button_texts() == ["📋 Details", "🖼 Table picture", "🗑 Delete"]


async def test_status_messages_and_chat_action(harness: Harness) -> None:
    c = harness.client
    u = c.user(23)
    chat = c.private(u)
    since = c.mark()
    reply = await send_file(c, u, chat, "huaian-2024.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    status = next(e.message for e in c.events(since, chat, "send"))
    # the status message becomes the verdict: one answer to the file
    assert status is reply
    assert status.history == ["📥 已收到《huaian-2024.pdf》，正在下载…", "⏳ 正在解析《huaian-2024.pdf》…", "🔎 正在校验…",
                              reply.text]
    assert not reply.deleted and reply.text.startswith("✅ 通过")
    assert [e.data["action"] for e in c.events(since, chat, "action")][:1] == ["typing"]
    assert reply.reply_to is not None  # replies to the document


async def test_findings_grouped_with_place_and_expected_value(harness: Harness) -> None:
    c = harness.client
    u = c.user(24)
    r = await send_file(c, u, c.private(u), "bad.txt", _bad_xinxiang())
    assert r.text == (
        "❌ 未通过 · 新乡市工业和信息化局 · 2023 年度\n"
        "格式：2021 · 错误 3 · 提醒 0 · 报告 #1\n\n"
        "三、收到和处理政府信息公开申请情况\n"
        "❌ 第三部分表格“自然人”列：（七）总计为0，但各项办理结果之和为3，相差3。\n"
        "   位置：（七）总计 / 自然人, 第 74 行；应为 3；实为 0\n"
        "❌ 第三部分表格“总计”列：（七）总计为0，但各项办理结果之和为2，相差2。\n"
        "   位置：（七）总计 / 总计, 第 74 行；应为 2；实为 0\n"
        "❌ 第三部分表格“（一）予以公开”行：总计为2，但各类申请人之和为3，相差1。\n"
        "   位置：（一）予以公开 / 总计, 第 53 行；应为 3；实为 2"
    )


async def test_same_file_again_says_already_checked(harness: Harness) -> None:
    c = harness.client
    u = c.user(25)
    chat = c.private(u)
    data = (SAMPLES / "lingbao-2023.txt").read_bytes()
    first = await send_file(c, u, chat, "lingbao-2023.txt", data)
    again = await send_file(c, u, chat, "copy.txt", data)
    assert again.text.startswith("这个文件已经校验过（报告 #1），以下是当时的结果：\n\n✅ 通过 · 灵宝市工业和信息化科技局 · 2023 年度")
    assert again.text.endswith(first.text)


async def test_details_button(harness: Harness) -> None:
    c = harness.client
    u = c.user(26)
    chat = c.private(u)
    r = await send_file(c, u, chat, "huaian-2024.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    since = c.mark()
    qid = await c.press_button(u, r, "r:det:1")
    d = await c.next_message(chat, since)
    assert (await c.callback_answer(qid)) == {"text": None, "show_alert": False}
    lines = d.text.split("\n")
    assert lines[0] == "报告 #1 读取到的数字"
    assert "规章 本年制发件数: 1" in lines and "行政事业性收费 本年收费金额（万元）: 96171.6" in lines
    assert "一、本年新收政府信息公开申请数量: 3119" in lines
    assert "行政复议: 72 / 64 / 178 / 37 / 351" in lines


async def test_picture_button_sends_a_png_of_table_3(harness: Harness) -> None:
    c = harness.client
    u = c.user(27)
    chat = c.private(u)
    r = await send_file(c, u, chat, "bad.txt", _bad_xinxiang())
    since = c.mark()
    await c.press_button(u, r, "r:pic:1")
    photo = await c.next_message(chat, since, timeout=20)
    assert photo.caption == "报告 #1 表三：红色为错误单元格，格内标出应有的数字"
    png = await c.download(photo)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width > 1000 and img.height > 1000
    reds = dict((color, n) for n, color in img.convert("RGB").getcolors(1 << 20))[(253, 222, 222)]
    assert reds > 3 * 100 * 30  # three wrong cells filled
    (harness.settings.data_dir / "table3.png").write_bytes(png)


async def test_delete_button_and_publish_for_admins(harness: Harness) -> None:
    c = harness.client
    u, admin = c.user(28), c.user(ADMIN_ID)
    chat, admin_chat = c.private(u), c.private(admin)
    r = await send_file(c, u, chat, "x.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes())
    qid = await c.press_button(u, r, "r:del:1")
    assert (await c.callback_answer(qid))["text"] == "已删除报告 #1。"
    await c.wait_for(lambda: r.text == "已删除报告 #1。", what="the verdict to become 'deleted'")
    assert r.button_data() == []
    a = await send_file(c, admin, admin_chat, "h.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    rid = a.button_data()[0].rsplit(":", 1)[1]
    assert a.button_data() == [f"r:det:{rid}", f"r:pic:{rid}", f"r:del:{rid}", f"r:pub:{rid}"]
    qid = await c.press_button(admin, a, f"r:pub:{rid}")
    assert (await c.callback_answer(qid))["text"] == f"报告 #{rid} 已发布到共享库。"
    await c.wait_for(lambda: f"r:unpub:{rid}" in a.button_data(), what="the unpublish button")
    # the other user now sees the published report
    assert (await c.ask(u, chat, "/report 淮安市人民政府 2024")).text.split("\n")[0] == "✅ 通过 · 淮安市人民政府 · 2024 年度"


async def test_bad_inputs_get_clear_messages_in_both_languages(harness: Harness) -> None:
    c = harness.client
    zh, en = c.user(31, language_code="zh"), c.user(32, language_code="en")
    corrupt = io.BytesIO()
    with zipfile.ZipFile(corrupt, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<broken")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(png, "PNG")
    cases = {
        "empty.pdf": (b"", "文件是空的（0 字节），请重新发送报告文件。", "The file is empty (0 bytes); please send the report file again."),
        "scan.png": (png.getvalue(), "❌ 这张图片里没有识别出文字：请发送报告的 PDF、Word 原文件，或清晰的表格照片。",
                     "❌ No text was found in this picture: send the report's PDF or Word file, or a clear photo of the table.")
        if OCR else (png.getvalue(), "这是一张图片，我读不了图片里的表格。请发送报告的 PDF、Word、TXT 或 HTML 原文件。",
                     "This is a picture; I cannot read tables in images. Please send the report itself as PDF, Word, TXT or HTML."),
        "broken.docx": (corrupt.getvalue(), "❌ 无法读取该 Word 文件：文件已损坏，或不是 Word 文档（DOCX）。",
                        "❌ The file cannot be read as Word: it is damaged or not a Word document (DOCX)."),
        "notes.txt": ("随便写点什么东西，这不是年报。".encode(),
                      "❌ 这份文件看起来不是政府信息公开工作年度报告：找不到报告的标题、章节或统计表。",
                      "❌ This file does not look like an annual report on government information disclosure: "
                      "no title, sections or statistics tables were found."),
        "big.pdf": (b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024),
                    "文件太大（20.0 MB）：Telegram 只允许机器人下载 20 MB 以内的文件。请压缩 PDF（例如去掉扫描图片、降低图片质量）后再发，或者直接发送 Word 原文件。",
                    "The file is too big (20.0 MB): Telegram lets bots download files of up to 20 MB only. "
                    "Please compress the PDF (e.g. drop scanned images or lower their quality) or send the Word file instead."),
    }
    for name, (data, want_zh, want_en) in cases.items():
        got_zh = await send_file(c, zh, c.private(zh), name, data)
        got_en = await send_file(c, en, c.private(en), name, data)
        assert (name, got_zh.text) == (name, want_zh)
        assert (name, got_en.text) == (name, want_en)
    # nothing of these was stored
    async with harness.sessionmaker() as session:
        assert await repo.count_reports(session) == 0


async def test_a_photo_that_is_no_picture_is_refused_politely(harness: Harness) -> None:
    """(A real photo of a table is read by OCR: tests/ocr/test_bot_ocr.py.)"""
    c = harness.client
    u = c.user(33, language_code="en")
    chat = c.private(u)
    since = c.mark()
    await c.send_photo(u, chat, b"\xff\xd8\xff\xe0 jpeg")
    got = await c.wait_message(chat, lambda m: not m.body.startswith(("📥", "⏳", "🔎", "🔍")) or m.deleted, since, 60)
    assert got.text == (
        "❌ This picture cannot be opened (damaged or in an unsupported format): send the report's PDF or Word "
        "file, or a clear PNG/JPEG photo of the table." if OCR else
        "This is a photo; I cannot read tables in images. Please send the report's PDF or Word file as a file."
    )
