"""How fast the bot and the terminal chat start, as whole processes.

  bot  seconds from launching `nianbao bot` (against the local Bot API server, SQLite in a fresh
       folder) until it answers a /start that was sent at launch; then how long a SIGTERM takes
       to end it;
  try  seconds from launching `nianbao try` until its first line ("starting…") and until it is
       ready for the first message (its banner), then until it has left after end of input.

    python -m bench.startup [-n RUNS]
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


def _env(data_dir: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env.update(NIANBAO_DATA_DIR=data_dir, PYTHONUNBUFFERED="1", **extra)
    return env


async def bot_start_once() -> tuple[float, float]:
    """(seconds until /start is answered, seconds a SIGTERM then takes to end the bot)."""
    from bot.localapi import BotAPIServer, LocalClient

    server = BotAPIServer()
    await server.start()
    client = LocalClient(server)
    user = client.user(1, "bench")
    chat = client.private(user)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.commands", "bot", cwd=ROOT,
                env=_env(tmp, NIANBAO_API_BASE=server.base_url),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )
            await client.send_text(user, chat, "/start")
            await client.wait_for(lambda: client.events(0, chat, "send"), 60, "the answer to /start")
            answered = time.perf_counter() - started
            t0 = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            err = await asyncio.wait_for(proc.stderr.read(), 30)  # type: ignore[union-attr]
            await proc.wait()
            stopped = time.perf_counter() - t0
            if b"Traceback" in err or proc.returncode not in (0, -signal.SIGTERM, 143):
                raise RuntimeError(f"the bot did not stop cleanly ({proc.returncode}): {err.decode()[-2000:]}")
            return answered, stopped
    finally:
        await server.stop()


async def try_start_once() -> tuple[float, float, float]:
    """(seconds until the first line, until the banner, until the process left after end of input)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.commands", "try", cwd=ROOT, env=_env(tmp),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdout is not None and proc.stdin is not None
        first = banner = None
        seen = []
        while banner is None:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if not line:
                raise RuntimeError("nianbao try ended before its banner: " + b"".join(seen).decode())
            seen.append(line)
            now = time.perf_counter() - started
            first = first if first is not None else now
            if b"/quit" in line:  # the banner names how to leave
                banner = now
        t0 = time.perf_counter()
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), 30)
        return first, banner, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=3)
    args = ap.parse_args(argv)
    bot = [asyncio.run(bot_start_once()) for _ in range(args.runs)]
    term = [asyncio.run(try_start_once()) for _ in range(args.runs)]

    def med(xs: list[tuple[float, ...]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    print(f"start-up — median of {args.runs} runs, seconds (whole processes, {os.cpu_count()} cores)")
    print(f"  nianbao bot: /start answered          {med(bot, 0):6.2f}   (max {max(b[0] for b in bot):.2f})")
    print(f"  nianbao bot: SIGTERM to exit          {med(bot, 1):6.2f}")
    print(f"  nianbao try: first line (starting…)   {med(term, 0):6.2f}")
    print(f"  nianbao try: prompt                   {med(term, 1):6.2f}")
    print(f"  nianbao try: end of input to exit     {med(term, 2):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
