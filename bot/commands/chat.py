"""`nianbao try`: chat with the bot in this terminal, against the local Bot API server (bot.terminal)."""

from __future__ import annotations

import argparse
import asyncio


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao try", description="Chat with the bot in this terminal (no token needed).")
    parser.add_argument("--preload", metavar="DIR", help="check and store these report files in the shared library first")
    parser.add_argument("--lang", choices=("zh", "en"), help="your Telegram language (default: NIANBAO_LANGUAGE)")
    parser.add_argument("--data-dir", help="where the SQLite store lives (default: NIANBAO_DATA_DIR or ./data)")
    parser.add_argument("--database-url", help="a database other than the SQLite file")
    parser.add_argument("--out", help="folder for the files and pictures the bot sends (default: DATA_DIR/try-files)")
    parser.add_argument("--user-id", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    print("年报 Nianbao: starting… / 正在启动…", flush=True)  # before the slow imports
    from bot.terminal import run_try

    return asyncio.run(run_try(args))
