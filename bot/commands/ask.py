"""`nianbao ask "QUESTION" [--json] [--workspace W] [--database-url URL] [--lang zh|en]`: answer a
question from the stored reports (storage.answers.answer_stored), worded as the bot words it
(handlers.answers_text). Exit status 0 answered with a figure, 1 not, 2 no such workspace."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.settings import Basics


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao ask", description="Ask a question about the stored reports.")
    parser.add_argument("question", nargs="+")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workspace", default=None, help="workspace name (default: the shared library)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--lang", choices=("zh", "en"), default=None)
    args = parser.parse_args(argv)
    from handlers.answers_text import render_answer
    from storage.answers import answer_stored, answered

    settings = Basics.from_env()
    result = asyncio.run(answer_stored(settings.db_url(args.database_url), " ".join(args.question),
                                       args.workspace, args.lang))
    if result is None:
        zh = (args.lang or settings.language) != "en"
        print(f"nianbao ask: 没有名为 {args.workspace} 的工作区：不加 --workspace 即查共享库。" if zh else
              f"nianbao ask: no workspace named {args.workspace}: leave out --workspace to ask the shared library.",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(render_answer(result)), ensure_ascii=False, indent=2))
    else:
        print(render_answer(result))
    return 0 if answered(result) else 1
