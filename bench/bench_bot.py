"""The bot through the local Bot API server (real HTTP on 127.0.0.1, aiogram long polling):

- question updates per second: many users ask questions at once, timed from the first update queued
  to the last answer recorded by the server (aim: >= 300/s);
- seconds from a document received to its verdict sent, for huaian-2024.pdf (median of runs, warm workers).

`python -m bench.bench_bot [--questions N] [--users U] [--runs R]`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
QUESTIONS = (
    "淮安市人民政府2024年新收申请多少件？",
    "灵宝市工业和信息化科技局2023年新收申请多少件？",
    "新乡市工业和信息化局2023年予以公开多少件？",
    "2023年全部单位共收到多少申请？",
)


async def bench(n_questions: int, n_users: int, runs: int) -> int:
    sys.path.insert(0, str(ROOT))
    from bot.factory import create_bot, create_dispatcher
    from bot.settings import LOCAL_TOKEN, Settings
    from localapi import BotAPIServer, LocalClient
    from reports.runner import Checker
    from storage.db import open_store
    from storage.ingest import ingest_paths

    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-bot-"))
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    samples = [SAMPLES / n for n in ("huaian-2024.pdf", "lingbao-2023.txt", "xinxiang-2023.txt")]
    await ingest_paths(samples, url=url)  # the shared library the questions read
    store = await open_store(url)
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    settings = Settings(_env_file=None, api_base=server.base_url, database_url=url, data_dir=tmp,  # type: ignore[call-arg]
                        throttle_rate=0)
    checker = Checker(workers=2, timeout=60)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, store.sessions, checker=checker)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    c = LocalClient(server)
    try:
        await c.wait_for(lambda: server.calls.get("getupdates"), 60, "the bot to poll")
        users = [c.user(10_000 + i) for i in range(n_users)]
        chats = [c.private(u) for u in users]
        # warm-up: every chat once (creates the chat rows), not timed
        since = c.mark()
        for u, ch in zip(users, chats, strict=True):
            await c.send_text(u, ch, QUESTIONS[0])
        await c.wait_for(lambda: len(c.events(since, kind="send")) >= n_users, 120, "warm-up answers")
        answer = c.events(since, kind="send")[0].message
        print(f"sample answer: {answer.text if answer else None}")

        async def rate(texts: tuple[str, ...]) -> tuple[float, float]:
            since = c.mark()
            t0 = time.perf_counter()
            for i in range(n_questions):
                await c.send_text(users[i % n_users], chats[i % n_users], texts[i % len(texts)])
            await c.wait_for(lambda: len(c.events(since, kind="send")) >= n_questions, 600, "all answers")
            sent = c.events(since, kind="send")
            assert len(sent) == n_questions, len(sent)  # every update answered once
            elapsed = max(e.at for e in sent) - t0
            return elapsed, n_questions / elapsed

        elapsed, per_s = await rate(("/help",))
        print(f"commands (/help, no database): {n_questions} updates from {n_users} users in {elapsed:.2f} s "
              f"= {per_s:.0f} updates/s (the bot and the local server's own cost)")
        elapsed, per_s = await rate(QUESTIONS)
        print(f"questions: {n_questions} updates from {n_users} users answered in {elapsed:.2f} s "
              f"= {per_s:.0f} updates/s (aim >= 300/s)")

        # The same questions with the bot in its own process, as in production: the local server and
        # the simulated users no longer share the bot's interpreter.
        stopping = asyncio.create_task(dp.stop_polling())
        await asyncio.sleep(0)
        await server.wake()
        await stopping
        await polling
        polls = server.calls.get("getupdates", 0)
        env = {**os.environ, "NIANBAO_API_BASE": server.base_url, "NIANBAO_DATABASE_URL": url,
               "NIANBAO_DATA_DIR": str(tmp), "NIANBAO_THROTTLE_RATE": "0"}
        prof = ["-m", "cProfile", "-o", os.environ["NIANBAO_BENCH_PROFILE"]] if os.environ.get("NIANBAO_BENCH_PROFILE") else []
        proc = await asyncio.create_subprocess_exec(sys.executable, *prof, "-m", "bot.commands", "bot", cwd=ROOT, env=env,
                                                    stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=asyncio.subprocess.DEVNULL)
        try:
            await c.wait_for(lambda: server.calls.get("getupdates", 0) > polls + 1, 60, "the bot process to poll")
            elapsed, per_s = await rate(QUESTIONS)
            print(f"questions, bot in its own process: {n_questions} updates answered in {elapsed:.2f} s "
                  f"= {per_s:.0f} updates/s (aim >= 300/s)")
        finally:
            proc.send_signal(signal.SIGINT)
            await server.wake()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
        polls = server.calls.get("getupdates", 0)
        await c.wait_for(lambda: server.calls.get("getupdates", 0) > polls, 60, "the bot to poll again")

        pdf = (SAMPLES / "huaian-2024.pdf").read_bytes()
        times: list[float] = []
        for r in range(runs):
            u = c.user(20_000 + r)
            ch = c.private(u)
            since = c.mark()
            t = time.perf_counter()
            await c.send_document(u, ch, "huaian-2024.pdf", pdf)
            verdict = await c.wait_message(ch, lambda m: m.body.startswith(("✅", "❌")), since, 120)
            times.append(verdict.sent_at - t)
        print(f"huaian-2024.pdf: document received -> verdict sent: median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s over {runs} runs")
    finally:
        stopping = asyncio.create_task(dp.stop_polling())
        await asyncio.sleep(0)
        await server.wake()
        await stopping
        await polling
        await bot.session.close()
        await store.close()
        await server.stop()
        checker.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=int, default=2000)
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args(argv)
    return asyncio.run(bench(a.questions, a.users, a.runs))


if __name__ == "__main__":
    sys.exit(main())
