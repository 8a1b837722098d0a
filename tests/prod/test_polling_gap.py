"""Polling loses no document: a bot killed (SIGKILL) after it fetched a document and before the job
row is committed has not confirmed that update, so the next bot gets it again and checks the file.
The early responder (bot.early) leaves a document unconfirmed too."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from bot.early import EarlyResponder
from bot.settings import LOCAL_TOKEN
from localapi import BotAPIServer, LocalClient
from reports.lifeline import alive
from storage.db import make_engine, make_sessionmaker
from storage.models import Job
from tests.prod.replicas import descendants

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT.parent / "shared" / "samples" / "xinxiang-2023.txt"


def _bot(server: BotAPIServer, url: str, tmp_path: Path, hold: Path | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env.update({
        "PYTHONPATH": str(ROOT), "NIANBAO_API_BASE": server.base_url, "NIANBAO_DATABASE_URL": url,
        "NIANBAO_DATA_DIR": str(tmp_path), "NIANBAO_THROTTLE_RATE": "0", "NIANBAO_PARSE_WORKERS": "1",
    })
    if hold is not None:
        env["NIANBAO_TEST_HOLD_ACCEPT"] = str(hold)
    log = open(tmp_path / f"bot-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "tests.prod.botproc"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _stop(p: subprocess.Popen[bytes] | None) -> None:
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


async def test_a_bot_killed_before_the_job_row_is_committed_loses_no_document(tmp_path: Path) -> None:
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'nianbao.db'}"
    held = tmp_path / "held"
    first = _bot(server, url, tmp_path, held)
    second = None
    try:
        c = LocalClient(server)
        u = c.user(81)
        chat = c.private(u)
        # the dispatcher polls (it deletes the webhook first)
        await c.wait_for(lambda: server.calls.get("deletewebhook"), 120, "the first bot to start")
        polls = server.calls.get("getupdates", 0)
        await c.wait_for(lambda: server.calls.get("getupdates", 0) > polls, 30, "the dispatcher to poll")
        since = c.mark()
        doc = await c.send_document(u, chat, "xinxiang.txt", SAMPLE.read_bytes())
        await c.send_text(u, chat, "/help")
        await c.wait_for(held.exists, 60, "the document's handler to reach its job row")
        await asyncio.sleep(1.5)  # the dispatcher would have asked for the next batch by now
        # not confirmed: still queued on the Bot API server
        assert [x["update_id"] for x in server._updates][:1] == [doc["_update_id"]]
        below = descendants(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in below):
            await asyncio.sleep(0.1)
        assert [p for p in below if alive(p)] == []  # its forkserver, resource tracker and workers too

        second = _bot(server, url, tmp_path, None)
        verdict = await c.wait_message(chat, lambda m: m.body.startswith(("✅", "❌")), since, 120)
        assert verdict.text.split("\n")[0] == "✅ 通过 · 新乡市工业和信息化局 · 2023 年度"
        assert verdict.reply_to == doc["message_id"]
        await c.wait_message(chat, lambda m: m.body.startswith("命令"), since, 30)  # /help, after the document
        await c.settle(1.0)
        # each answered once: the first bot handled nothing after the document it could not confirm
        assert [m.body[:2] for m in c.messages(chat)] == ["✅ ", "命令"]
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s:
                rows = (await s.scalars(select(Job))).all()
            assert [(j.file_name, j.state, j.attempts) for j in rows] == [("xinxiang.txt", "done", 1)]
        finally:
            await engine.dispose()
    finally:
        _stop(first)
        _stop(second)
        await server.stop()


async def test_the_early_responder_leaves_a_document_unconfirmed() -> None:
    async with BotAPIServer(LOCAL_TOKEN) as server:
        c = LocalClient(server)
        u = c.user(82)
        chat = c.private(u)
        start = await c.send_text(u, chat, "/start")
        doc = await c.send_document(u, chat, "a.txt", b"x")
        await c.send_text(u, chat, "/help")
        early = EarlyResponder(server.base_url, server.token).start()
        await c.wait_message(chat, lambda m: True, 0, 20)  # the welcome
        taken = await asyncio.to_thread(early.take)
        assert [x["update_id"] for x in taken] == [start["_update_id"]]
        assert early.answered == {start["_update_id"]}
        # the document and what follows it are still Telegram's to give to the dispatcher
        assert [x["update_id"] for x in server._updates] == [doc["_update_id"], doc["_update_id"] + 1]
