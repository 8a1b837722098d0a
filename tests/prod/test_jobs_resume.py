"""No accepted file is lost: a bot process killed (SIGKILL) while parsing is restarted and finishes the
job, editing its status message; a job that failed three times is reported as failed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from bot.settings import LOCAL_TOKEN
from localapi import BotAPIServer, LocalClient
from reports.lifeline import alive
from reports.runner import Checker
from storage.db import make_engine, make_sessionmaker
from storage.models import Job
from tests.e2e.conftest import start_harness, stop_harness
from tests.prod.test_checker_pool import _descendants

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"


def _bot(server: BotAPIServer, url: str, tmp_path: Path, *, slow: bool) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env.update({
        "PYTHONPATH": str(ROOT), "NIANBAO_API_BASE": server.base_url, "NIANBAO_DATABASE_URL": url,
        "NIANBAO_DATA_DIR": str(tmp_path), "NIANBAO_JOB_LEASE": "3", "NIANBAO_JOB_SWEEP": "0.5",
        "NIANBAO_THROTTLE_RATE": "0", "NIANBAO_PARSE_TIMEOUT": "90", "NIANBAO_TEST_SLOW": "1" if slow else "0",
    })
    log = open(tmp_path / f"bot-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "tests.prod.botproc"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def test_a_bot_killed_while_parsing_finishes_the_file_after_its_restart(tmp_path: Path) -> None:
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'nianbao.db'}"
    first = _bot(server, url, tmp_path, slow=True)
    second = None
    try:
        c = LocalClient(server)
        u = c.user(61)
        chat = c.private(u)
        await c.wait_for(lambda: server.calls.get("getupdates"), 120, "the first bot to poll")
        since = c.mark()
        await c.send_document(u, chat, "hang-xinxiang.txt", (SAMPLES / "xinxiang-2023.txt").read_bytes())
        status = await c.wait_message(chat, lambda m: m.body.startswith("⏳"), since, 60)
        below = _descendants(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        # its parser workers, forkserver and resource tracker go with it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in below):
            await asyncio.sleep(0.1)
        assert [p for p in below if alive(p)] == []
        assert status.body == "⏳ 正在解析《hang-xinxiang.txt》…"

        polls = server.calls.get("getupdates", 0)
        second = _bot(server, url, tmp_path, slow=False)
        await c.wait_for(lambda: server.calls.get("getupdates", 0) > polls, 120, "the second bot to poll")
        verdict = await c.wait_message(chat, lambda m: m.body.startswith("✅"), since, 90)
        assert verdict.text.split("\n")[0] == "✅ 通过 · 新乡市工业和信息化局 · 2023 年度"
        # the verdict takes the status message's place: one answer, however many processes worked on it
        assert verdict is status
        assert status.history == [
            "📥 已收到《hang-xinxiang.txt》，正在下载…", "⏳ 正在解析《hang-xinxiang.txt》…",
            "⏳ 机器人重启后继续处理《hang-xinxiang.txt》…", "⏳ 正在解析《hang-xinxiang.txt》…", "🔎 正在校验…",
            verdict.text,
        ]
        assert verdict.button_data() == ["r:det:1", "r:pic:1", "r:del:1"]
        await c.settle(1.0)
        # one answer: the update the first bot never confirmed came again, and was recognised
        assert [m.body[:1] for m in c.messages(chat)] == ["✅"]
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s:
                rows = (await s.scalars(select(Job))).all()
            assert [(j.file_name, j.state, j.attempts) for j in rows] == [("hang-xinxiang.txt", "done", 2)]
        finally:
            await engine.dispose()
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        await server.stop()


async def test_a_job_that_failed_three_times_is_reported(tmp_path: Path, checker: Checker) -> None:
    h = await start_harness(tmp_path, checker, job_sweep=0.2)
    try:
        c = h.client
        chat = c.private(c.user(62))
        # a job whose process died three times (the sweep finds its lease over)
        async with h.sessionmaker() as s:
            s.add(Job(chat_id=62, user_id=62, message_id=5, status_message_id=None, file_id="gone", file_name="a.pdf",
                      workspace="chat:62", lang="en", attempts=3, owner="killed", lease_until=0.0))
            await s.commit()
        msg = await c.wait_message(chat, lambda m: m.body.startswith("❌"), 0, 20)
        assert msg.text == "❌ a.pdf could not be processed after 3 attempts. Please send the file again."
        async with h.sessionmaker() as s:
            job = (await s.scalars(select(Job))).one()
        assert (job.state, job.attempts) == ("failed", 4)
    finally:
        await stop_harness(h)
