"""How fast the commands, the bot and the terminal chat start, as whole processes.

  check  `nianbao check --json` on huaian-2024.pdf against pdfplumber's bare extract_text on the
         same file, each in a fresh process (the target: at most 0.35 of it);
  ask    `nianbao ask "…"` over a store holding the text samples (the target: 0.3 s);
  bot    seconds from launching `nianbao bot` (against the local Bot API server, SQLite in a fresh
         folder) until it answers a /start that was sent at launch; then how long a SIGTERM takes
         to end it;
  try    seconds from launching `nianbao try` until its first line ("starting…") and until it is
         ready for the first message (its banner), then until it has left after end of input.

    python -m bench.startup [-n RUNS] [--only check,ask,bot,try]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
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
    from bot.settings import LOCAL_TOKEN
    from localapi import BotAPIServer, LocalClient

    server = BotAPIServer(LOCAL_TOKEN)
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


QUESTION = "灵宝市工业和信息化科技局2023年收到多少申请"


def commands(runs: int, only: set[str]) -> None:
    """The check and ask lines: median wall seconds, and CPU seconds (steadier on a shared machine)."""
    from bench.check import HUAIAN, _process_median, check_against_pdfplumber, compile_sources

    compile_sources()
    if "check" in only and HUAIAN.exists():
        cpu: list[float] = []
        t_check, t_plumb = check_against_pdfplumber(runs, cpu)
        print(f"  nianbao check {HUAIAN.name}  {t_check:6.3f}   pdfplumber text {t_plumb:.3f}: ratio "
              f"{t_check / t_plumb:.2f} (CPU {cpu[0]:.3f} / {cpu[1]:.3f}: {cpu[0] / cpu[1]:.2f})")
    if "ask" in only:
        with tempfile.TemporaryDirectory() as tmp:
            samples = [str(p) for p in sorted(HUAIAN.parent.glob("*-20??.txt"))]
            subprocess.run([sys.executable, "-m", "bot.commands", "ingest", "--quiet", *samples], cwd=ROOT,
                           env=_env(tmp), check=True, capture_output=True)
            cmd = [sys.executable, "-m", "bot.commands", "ask", QUESTION]
            cpu = []
            t_ask = _process_median(cmd, runs, cpu, env=_env(tmp))
            t_py = _process_median([sys.executable, "-c", "pass"], runs)
            print(f"  nianbao ask                    {t_ask:6.3f}   (CPU {cpu[0]:.3f}; bare python {t_py:.3f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--only", default="check,ask,bot,try", help="which figures (comma-separated)")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    print(f"start-up — median of {args.runs} runs, seconds (whole processes, {os.cpu_count()} cores)")
    commands(args.runs, only)
    if not only & {"bot", "try"}:
        return 0
    bot = [asyncio.run(bot_start_once()) for _ in range(args.runs)] if "bot" in only else []
    term = [asyncio.run(try_start_once()) for _ in range(args.runs)] if "try" in only else []

    def med(xs: list[tuple[float, ...]], i: int) -> float:
        return statistics.median(x[i] for x in xs) if xs else float("nan")

    print(f"  nianbao bot: /start answered          {med(bot, 0):6.2f}   (max {max((b[0] for b in bot), default=float('nan')):.2f})")
    print(f"  nianbao bot: SIGTERM to exit          {med(bot, 1):6.2f}")
    print(f"  nianbao try: first line (starting…)   {med(term, 0):6.2f}")
    print(f"  nianbao try: prompt                   {med(term, 1):6.2f}")
    print(f"  nianbao try: end of input to exit     {med(term, 2):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
