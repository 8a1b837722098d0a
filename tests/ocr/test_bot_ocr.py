"""Scans through the bot (the local Bot API server, the real dispatcher and worker processes): a
photo of a table page gets its table-3 findings, marked as read by OCR; a multi-page scan gets a
status edit per page, then the verdict; a scan over NIANBAO_OCR_MAX_PAGES is refused plainly."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from localapi.server import BotMessage
from reports.runner import Checker
from tests.docgen import blocks, make_figures
from tests.e2e.conftest import Harness, start_harness, stop_harness
from tests.ocr.conftest import needs_ocr
from tests.ocr.matrix import DAMAGES, Damage, fixture, report_pdf
from tests.ocr.raster import damage, jpeg, rasterise

pytestmark = [pytest.mark.slow, needs_ocr]
STATUS = ("📥", "⏳", "🔎", "🔍")


@functools.cache
def _table3_photo() -> bytes:
    """Section 三 alone on one A4 page, 予以公开 by natural persons one too many (its row and its
    column no longer add up), photographed: turned half a degree, JPEG."""
    from tests.engine.families_pdf import pdf_bytes

    fig = make_figures(5)
    fig["s3.granted.person"] += 1
    pdf = pdf_bytes(blocks("示例县人民政府", 2023, fig, sections=(3,)), random.Random(1))
    (page,) = rasterise(pdf, 200)
    return jpeg(damage(page, Damage(skew=0.5), seed=5), quality=75)


@pytest.fixture
async def ocr_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    # One worker (its models on 2 threads), bounds generous for a shared machine: the test is about
    # the messages, not speed.
    checker = Checker(workers=1, timeout=60, ocr_pages=3, ocr_page_seconds=120, ocr_threads=2)
    h = await start_harness(tmp_path, checker, ocr_max_pages=3)
    try:
        yield h
    finally:
        await stop_harness(h)
        checker.close()


async def _final(h: Harness, chat, since: int) -> BotMessage:  # noqa: ANN001
    return await h.client.wait_message(chat, lambda m: not m.body.startswith(STATUS) or m.deleted, since, 600)


async def test_a_photo_of_a_table_page_gets_the_table_3_findings(ocr_bot: Harness) -> None:
    c = ocr_bot.client
    u = c.user(41)
    chat = c.private(u)
    since = c.mark()
    await c.send_photo(u, chat, _table3_photo())
    reply = await _final(ocr_bot, chat, since)
    text = reply.text
    assert text.startswith("❌ 未通过 · 示例县人民政府 · 2023 年度")
    section3 = text.split("三、收到和处理政府信息公开申请情况\n", 1)[1].split("\n\n", 1)[0]
    errors = [line for line in section3.splitlines() if line.startswith("❌")]
    # each says it rests on OCR, with the lowest confidence of the figures of its sum (a model's
    # output: the last digit may move with the models' thread count)
    tail = re.compile(r"（该数字由文字识别（OCR）读出，置信度 (\d+(?:\.\d)?)%）$")
    assert [tail.sub("", line) for line in errors] == [
        "❌ 第三部分表格“自然人”列：（七）总计为63，但各项办理结果之和为64，相差1。",
        "❌ 第三部分表格“（一）予以公开”行：总计为39，但各类申请人之和为40，相差1。",
    ]
    assert all(float(m.group(1)) >= 95 for line in errors if (m := tail.search(line)))
    assert all(tail.search(line) for line in errors)
    status = next(e.message for e in c.events(since, chat, "send"))
    # the status message goes through the pages and the check, then becomes the verdict
    assert status.history[-3:-1] == ["🔍 正在识别第 1/1 页…", "🔎 正在校验…"]
    assert status.message_id == reply.message_id and not status.deleted


async def test_a_multi_page_scan_gets_progress_edits_then_the_verdict(ocr_bot: Harness) -> None:
    c = ocr_bot.client
    u = c.user(42, language_code="en")
    chat = c.private(u)
    pdf, _truth, _zero = report_pdf(11)
    scan = fixture(pdf, 150, DAMAGES[0], seed=1).scan
    since = c.mark()
    await c.send_document(u, chat, "scan.pdf", scan)
    reply = await _final(ocr_bot, chat, since)
    status = next(e.message for e in c.events(since, chat, "send"))
    assert status.history[:-1] == ["📥 Received scan.pdf, downloading…", "⏳ Parsing scan.pdf…",
                                   "🔍 Reading page 1/3…", "🔍 Reading page 2/3…", "🔍 Reading page 3/3…",
                                   "🔎 Checking…"]
    assert status.message_id == reply.message_id and not status.deleted  # it became the verdict
    first, second = reply.text.split("\n")[:2]
    assert first.startswith("✅ Pass · 示例") and first.endswith(str(reports_year()))
    assert second.startswith("Format: 2021 · errors 0 · ") and second.endswith(" · report #1")


def reports_year() -> int:
    import reports

    year = reports.check(report_pdf(11)[0], "report.pdf").year
    assert year is not None
    return year


async def test_a_scan_over_the_page_limit_is_refused(ocr_bot: Harness) -> None:
    c = ocr_bot.client
    u = c.user(43)
    chat = c.private(u)
    images = rasterise(report_pdf(11)[0], 100)
    from tests.ocr.raster import image_pdf

    since = c.mark()
    await c.send_document(u, chat, "long-scan.pdf", image_pdf(images + images, 100))
    reply = await _final(ocr_bot, chat, since)
    assert reply.text == ("❌ 这份扫描件共 6 页，超过文字识别（OCR）的上限 3 页：请只发送统计表所在的页面，"
                          "或发送有文字层的 PDF/Word 文件。")
