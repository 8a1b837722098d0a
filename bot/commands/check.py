"""`nianbao check FILE...`: check report files (reports.engine.check_file), one verdict per file.

Exit status: 0 every file passes, 1 some fail, 2 some file could not be read at all.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

from bot.settings import Basics
from reports.inputs import input_problem, os_problem
from reports.render import format_report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nianbao check", description="Check annual report files against the 2021 format.")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON object per file per line")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--info", action="store_true", help="also show info findings")
    ap.add_argument("--max-mb", type=float, default=None, help="size cap in MB (default NIANBAO_MAX_UPLOAD_MB or 20)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds allowed per file (default 60)")
    args = ap.parse_args(argv)
    from reports.engine import bound_process, check_file

    if not gc.isenabled():  # loaded with the collector off (bot.commands.QUIET_GC): the modules stay
        gc.freeze()  # for the whole process, out of the collector's sight (and the child's copies)
        gc.enable()
    settings = Basics.from_env()
    # each file is read in a child bounded in memory and time (reports.engine)
    bound_process(settings.max_memory_bytes)

    status = 0
    max_bytes = int(args.max_mb * 1024 * 1024) if args.max_mb is not None else settings.max_upload_bytes
    for i, path in enumerate(args.files):
        problem = input_problem(path)
        report = None
        if problem is None:
            try:
                report = check_file(path, max_bytes=max_bytes, timeout=args.timeout)
            except OSError as e:  # gone or changed between the look and the read
                problem = os_problem(e)
        if report is None:
            code, zh, en = problem or ("unreadable-file", "无法读取文件。", "The file cannot be read.")
            if args.json:
                print(json.dumps({"file": str(path), "error": {"code": code, "message_zh": zh, "message_en": en}},
                                 ensure_ascii=False))
            else:
                print(f"{path}: {zh if args.lang == 'zh' else en}", file=sys.stderr)
            status = 2
            continue
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            if i:
                print()
            print(format_report(report, args.lang, include_info=args.info))
        if report.unreadable:
            status = 2
        elif report.verdict == "fail" and status == 0:
            status = 1
    return status
