"""Questions, privacy between chats, group chats, many users at once, a slow file, timeouts, webhook
and `nianbao try`, all through the local Bot API server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.entry import create_webhook_app
from bot.factory import create_bot, create_dispatcher
from bot.settings import LOCAL_TOKEN, Settings
from localapi import BotAPIServer, LocalClient
from reports.runner import Checker
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.e2e.conftest import SAMPLES, Harness, start_harness, stop_harness
from tests.e2e.slow import slow_check
from tests.e2e.test_documents import send_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def slow_checker() -> Iterator[Checker]:
    c = Checker(workers=2, timeout=2.5, job=slow_check)
    yield c
    c.close()


async def test_question_gets_the_exact_answer(quiet: Harness) -> None:
    c = quiet.client
    u = c.user(41)
    chat = c.private(u)
    await send_file(c, u, chat, "huaian-2024.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    await send_file(c, u, chat, "lingbao-2023.txt", (SAMPLES / "lingbao-2023.txt").read_bytes())
    await send_file(c, u, chat, "xinxiang-2023.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes())
    a = await c.ask(u, chat, "淮安市人民政府2024年新收申请多少件？")
    assert a.text == "淮安市人民政府 2024 年新收政府信息公开申请 3119 件（来源：huaian-2024.pdf）"
    assert a.reply_to is not None and a.button_data() == ["q:src"]
    b = await c.ask(u, chat, "/lang en")
    assert b.text == "Language set to English."
    en = await c.ask(u, chat, "How many new applications did 灵宝市工业和信息化科技局 receive in 2023?")
    assert en.text == "灵宝市工业和信息化科技局, 2023: new applications for government information: 0 (source: lingbao-2023.txt)"
    # a ranking gets a chart button; the chart is a PNG
    await c.ask(u, chat, "/lang zh")
    top = await c.ask(u, chat, "2023年哪些单位收到的申请最多？")
    assert top.text == (
        "2023 年新收政府信息公开申请最多的单位：\n"
        "1. 新乡市工业和信息化局 0 件（xinxiang-2023.txt）\n"
        "2. 灵宝市工业和信息化科技局 0 件（lingbao-2023.txt）"
    )
    assert top.button_data() == ["q:chart", "q:src"]
    since = c.mark()
    await c.press_button(u, top, "q:chart")
    photo = await c.next_message(chat, since)
    assert photo.caption == "2023年哪些单位收到的申请最多？"
    assert (await c.download(photo))[:8] == b"\x89PNG\r\n\x1a\n"


async def test_privacy_between_two_chats(quiet: Harness) -> None:
    c = quiet.client
    a, b = c.user(42), c.user(43)
    ca, cb = c.private(a), c.private(b)
    r = await send_file(c, a, ca, "huaian-2024.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    rid = r.button_data()[0].rsplit(":", 1)[1]
    # b sees nothing of a's draft: not in answers, lists, stats, exports, reports or buttons
    ans = await c.ask(b, cb, "淮安市人民政府2024年新收申请多少件？")
    assert "3119" not in ans.text
    assert (await c.ask(b, cb, "/stats")).text == "还没有可见的报告。发一份报告给我试试。"
    assert (await c.ask(b, cb, "/agencies")).text == "还没有可见的报告。"
    assert (await c.ask(b, cb, "/report 淮安市人民政府")).text == "没有找到“淮安市人民政府”的报告。"
    assert (await c.ask(b, cb, "/export")).text == "没有可导出的报告。"
    assert (await c.ask(b, cb, f"/delete {rid}")).text == f"找不到本聊天的报告 #{rid}（只能删除本聊天自己上传的报告）。"
    # a forged button press from b's chat on a's report
    fake = await c.ask(b, cb, "/check")
    fake.reply_markup = r.reply_markup
    qid = await c.press_button(b, fake, f"r:pic:{rid}")
    assert await c.callback_answer(qid) == {"text": "这份报告已不存在。", "show_alert": True}
    # a still sees it
    assert (await c.ask(a, ca, "/stats")).text.startswith("统计\n报告 1 份：通过 1，未通过 0")
    exp = await c.ask(a, ca, "/export")
    assert exp.document is not None and (await c.download(exp))[:2] == b"PK"


async def test_group_chat(quiet: Harness) -> None:
    c = quiet.client
    u, v = c.user(44), c.user(45)
    group = c.group("淮安市政务公开办")
    since = c.mark()
    await c.send_text(u, group, "大家好")  # not for the bot: privacy mode keeps it away
    r = await c.ask(u, group, "/start@nianbao_bot")
    assert r.text.startswith("你好，user44！")
    await c.send_document(u, group, "x.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes())  # no mention: ignored
    await c.settle()
    assert [e.message.body for e in c.events(since, group, "send")] == [r.text]
    since = c.mark()
    await c.send_document(u, group, "x.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes(), caption="@nianbao_bot 请校验")
    v1 = await c.wait_message(group, lambda m: m.body.startswith("✅"), since, 30)
    assert v1.text.split("\n")[0] == "✅ 通过 · 新乡市工业和信息化局 · 2023 年度"
    # a question by mention, and one by replying to the bot
    q = await c.ask(v, group, "@nianbao_bot 新乡市工业和信息化局2023年新收申请多少件？")
    assert q.text == "新乡市工业和信息化局 2023 年新收政府信息公开申请 0 件（来源：x.txt）"
    since = c.mark()
    await c.send_text(v, group, "新乡市工业和信息化局2023年予以公开多少件？", reply_to=q)
    q2 = await c.next_message(group, since)
    assert q2.text == "新乡市工业和信息化局 2023 年予以公开 0 件（来源：x.txt）"
    # the group's reports are the group's own
    w = c.user(46)
    assert (await c.ask(w, c.private(w), "/stats")).text == "还没有可见的报告。发一份报告给我试试。"


async def test_twenty_users_at_once(quiet: Harness) -> None:
    c = quiet.client
    users = [c.user(500 + i) for i in range(20)]
    files = ["huaian-2024.pdf", "lingbao-2023.txt", "xinxiang-2023.txt"]
    since = c.mark()
    for i, u in enumerate(users):
        chat = c.private(u)
        name = files[i % 3]
        await c.send_document(u, chat, name, (SAMPLES / name).read_bytes())
        await c.send_text(u, chat, "/privacy")
    await c.wait_for(
        lambda: sum(1 for e in c.events(since, kind="send") if e.message and e.message.body.startswith("✅")) >= 20,
        60, "20 verdicts",
    )
    await c.settle()
    for u in users:
        sent = [e.message for e in c.events(since, c.private(u), "send")]
        verdicts = [m for m in sent if m.body.startswith(("✅", "❌"))]
        privacy = [m for m in sent if m.body.startswith("隐私说明")]
        assert len(verdicts) == 1 and len(privacy) == 1, (u.id, [m.body[:20] for m in sent])
        assert verdicts[0].text.endswith("未发现问题。") or "提醒" in verdicts[0].text


async def test_a_question_is_answered_while_a_slow_file_parses(tmp_path: Path, slow_checker: Checker) -> None:
    h = await start_harness(tmp_path, slow_checker, throttle_rate=0, parse_timeout=2.5)
    try:
        c = h.client
        clerk, reader = c.user(47), c.user(48)
        cc, rc = c.private(clerk), c.private(reader)
        since = c.mark()
        await c.send_document(clerk, cc, "slow-xinxiang.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes())
        await c.wait_message(cc, lambda m: m.body.startswith("⏳"), since, 10)
        t0 = time.monotonic()
        answer = await c.ask(reader, rc, "/help")
        assert answer.text.startswith("命令")
        assert time.monotonic() - t0 < 1.0
        verdict = await c.wait_message(cc, lambda m: m.body.startswith("✅"), since, 20)
        assert verdict.edited_at is not None and verdict.edited_at > answer.sent_at  # the status, made the verdict
        # a file that never finishes is stopped at the time bound, with a clear message
        since = c.mark()
        await c.send_document(clerk, cc, "hang.txt", b"hang")
        status = await c.wait_message(cc, lambda m: m.body.startswith(("解析超时", "❌")), since, 20)
        assert status.text == "解析超时（超过 2.5 秒），已停止：这个文件太复杂或已损坏。请发送 Word 原文件或文字版 PDF 再试。"
        # and the workers are fresh again
        again = await send_file(c, clerk, cc, "lingbao.txt", (SAMPLES / "lingbao-2023.txt").read_bytes())
        assert again.text.startswith("✅ 通过 · 灵宝市工业和信息化科技局")
    finally:
        await stop_harness(h)


async def test_webhook_checks_the_secret_token(tmp_path: Path, checker: Checker) -> None:
    from aiohttp import web

    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    await upgrade(url)
    engine = make_engine(url)
    runner = None
    try:
        port_probe = web.TCPSite
        settings = Settings(_env_file=None, api_base=server.base_url, database_url=url, webhook_url="http://127.0.0.1:1/webhook")  # type: ignore[call-arg]
        bot = create_bot(settings)
        dp = create_dispatcher(settings, make_sessionmaker(engine), checker=checker)
        app = create_webhook_app(settings, bot, dp, "s3cret")
        runner = web.AppRunner(app)
        await runner.setup()
        site = port_probe(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        hook = f"http://127.0.0.1:{port}/webhook"
        async with ClientSession() as http:
            async with http.post(hook, json={"update_id": 1}) as r:
                assert r.status == 401
            async with http.post(hook, json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}) as r:
                assert r.status == 401
        # the startup hook registered the webhook (with the configured URL); point it at this server
        assert server.webhook == {"url": "http://127.0.0.1:1/webhook", "secret_token": "s3cret"}
        await bot.set_webhook(hook, secret_token="s3cret")
        c = LocalClient(server)
        u = c.user(49)
        reply = await c.ask(u, c.private(u), "/lang en")
        assert reply.text == "Language set to English."
    finally:
        if runner is not None:
            await runner.cleanup()
        await engine.dispose()
        await server.stop()


def test_nianbao_try_reads_stdin_and_exits_at_eof(tmp_path: Path) -> None:
    lines = "/start\n/send " + str(SAMPLES / "xinxiang-2023.txt") + "\n/press 2\n新乡市工业和信息化局2023年新收申请多少件？\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.commands", "try", "--preload", str(SAMPLES / "lingbao-2023.txt"), "--data-dir", str(tmp_path)],
        input=lines, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "(preloaded " in out and "stored 1" in out
    assert "bot> 你好，you！我是年报助手。" in out
    assert "bot (edited)> ✅ 通过 · 新乡市工业和信息化局 · 2023 年度" in out  # the status message becomes the verdict
    png = tmp_path / "try-files"
    assert f"bot> [photo] {png}/" in out and any(p.suffix == ".png" for p in png.iterdir())
    assert "bot> 新乡市工业和信息化局 2023 年新收政府信息公开申请 0 件（来源：xinxiang-2023.txt）" in out


def test_a_quick_quit_is_a_clean_shutdown(tmp_path: Path) -> None:
    """/quit right after start: the start-up (migrations, the reminder tick) finishes, nothing is
    cancelled half-way, no traceback reaches the terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.commands", "try", "--preload", str(tmp_path / "missing"), "--data-dir", str(tmp_path)],
        input="/quit\n", capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "does not exist: nothing preloaded" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
