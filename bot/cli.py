"""The `nianbao` command: a lean dispatcher. Each subcommand's module is imported only when used,
so `nianbao check` starts without loading the bot, the database or the PDF libraries."""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE = """usage: nianbao COMMAND [ARGS]

commands:
  check FILE...      check report files against the national format (--json, --lang en)
  rules              list the finding codes
  demo [DIR]         try the bot in the terminal with the sample reports loaded
  try                chat with the bot in the terminal (a local Bot API server, no token needed)
  bot                run the Telegram bot (long polling; --webhook for a webhook server)
  ingest PATH...     check and store report files and folders
  ask "QUESTION"     answer a statistics question from the stored reports (--json)
  export --xlsx FILE export the stored reports to an Excel workbook
  db upgrade         apply the database migrations
  doctor             check the settings, database, Redis, Bot API, font (exit 0/1)
"""


def _load(name: str) -> Callable[[list[str]], int]:
    module, func = {
        "check": ("reports.cli", "check_main"),
        "rules": ("reports.cli", "rules_main"),
        "ingest": ("storage.ingest", "ingest_main"),
        "export": ("storage.export", "export_main"),
        "db": ("storage.db", "db_main"),
        "ask": ("storage.answers", "ask_main"),
        "bot": ("bot.entry", "bot_main"),
        "try": ("bot.entry", "try_main"),
        "demo": ("bot.cli", "demo_main"),
        "doctor": ("bot.doctor", "doctor_main"),
    }[name]
    import importlib

    return getattr(importlib.import_module(module), func)


def demo_main(argv: list[str]) -> int:
    """`make demo`: the bot in the terminal with the sample reports loaded (or, where the bot is not
    installed, the check of every sample)."""
    from pathlib import Path

    folder = Path(argv[0]) if argv else Path("../shared/samples")
    try:
        from bot.entry import try_main
    except ImportError:
        from reports.cli import check_main

        files = [str(p) for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".docx", ".txt", ".md", ".html")]
        return check_main(files)
    return try_main(["--preload", str(folder), *argv[1:]])


COMMANDS = ("check", "rules", "ingest", "export", "db", "ask", "bot", "try", "demo", "doctor")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        print(f"nianbao: unknown command {cmd!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    try:
        return _load(cmd)(rest) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `nianbao ask … | head`: the reader went away, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
