"""`nianbao doctor`: check the settings, database, Redis, Bot API and font (bot.doctor); exit 0 or 1."""

from __future__ import annotations

import argparse
import asyncio
import sys


def main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="nianbao doctor", description="Check the settings and what the bot needs.").parse_args(argv)
    from bot.doctor import run

    return asyncio.run(run(sys.stdout))
