"""`nianbao check`, `nianbao rules` and the text rendering of a checked report."""

from __future__ import annotations

import argparse
import errno
import json
import os
import stat
import sys
from pathlib import Path

from reports.model import SECTION_TITLES, Finding, Report

_SEVERITY_MARK = {"error": "✘", "warning": "!", "info": "·"}
_ORDER = {"error": 0, "warning": 1, "info": 2}


def _place(f: Finding, lang: str) -> str:
    loc = f.location
    bits = []
    if loc.page:
        bits.append(f"第{loc.page}页" if lang == "zh" else f"page {loc.page}")
    if loc.line:
        bits.append(f"第{loc.line}行" if lang == "zh" else f"line {loc.line}")
    return ("（" + "，".join(bits) + "）" if lang == "zh" else " (" + ", ".join(bits) + ")") if bits else ""


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_report(r: Report, lang: str = "zh", *, include_info: bool = False) -> str:
    """A report as text: verdict first, then the findings grouped by section."""
    zh = lang == "zh"
    n_err, n_warn = len(r.errors), len(r.warnings)
    who = r.agency or ("（未识别机关）" if zh else "(agency not identified)")
    year = (f"{r.year}年" if zh else str(r.year)) if r.year else ("（未识别年度）" if zh else "(year not identified)")
    fmt = {"2021": "2021版格式", "2019": "2019试行格式", "pre-2019": "2019年以前格式", "unknown": "格式未识别"}
    fmt_en = {"2021": "2021 format", "2019": "2019 trial format", "pre-2019": "pre-2019 layout",
              "unknown": "format not identified"}
    head = f"{r.file} — {who} {year} · {fmt[r.format] if zh else fmt_en[r.format]}"
    if r.verdict == "pass":
        verdict = f"✔ 通过（{n_err} 个错误，{n_warn} 个警告）" if zh else f"✔ pass ({_n(n_err, 'error')}, {_n(n_warn, 'warning')})"
    else:
        verdict = f"✘ 未通过（{n_err} 个错误，{n_warn} 个警告）" if zh else f"✘ fail ({_n(n_err, 'error')}, {_n(n_warn, 'warning')})"
    lines = [head, verdict]
    shown = [f for f in r.findings if include_info or f.severity != "info"]
    groups: dict[int | None, list[Finding]] = {}
    for f in shown:
        groups.setdefault(f.location.section, []).append(f)
    for section in sorted(groups, key=lambda s: (s is not None, s or 0)):
        if section is None:
            lines.append("全文" if zh else "Whole report")
        else:
            t = SECTION_TITLES[section]
            lines.append(t[0] if zh else f"Section {t[1]}")
        for f in sorted(groups[section], key=lambda f: _ORDER[f.severity]):
            lines.append(f"  {_SEVERITY_MARK[f.severity]} [{f.code}] {f.message(lang)}{_place(f, lang)}")
    return "\n".join(lines)


def check_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nianbao check", description="Check annual report files against the 2021 format.")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON object per file per line")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--info", action="store_true", help="also show info findings")
    ap.add_argument("--max-mb", type=float, default=None, help="size cap in MB (default NIANBAO_MAX_UPLOAD_MB or 20)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds allowed per file (default 60)")
    args = ap.parse_args(argv)
    from reports.engine import READ_ERROR_CODES, bound_process, check_file

    bound_process()  # each file is read in a child bounded in memory and time (reports.engine)

    status = 0
    max_bytes = int(args.max_mb * 1024 * 1024) if args.max_mb is not None else None
    for i, path in enumerate(args.files):
        problem = input_problem(path)
        report = None
        if problem is None:
            try:
                report = check_file(path, max_bytes=max_bytes, timeout=args.timeout)
            except OSError as e:  # gone or changed between the look and the read
                problem = _os_problem(e)
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
        if any(f.code in READ_ERROR_CODES for f in report.findings):
            status = 2
        elif report.verdict == "fail" and status == 0:
            status = 1
    return status


# Why a path named on the command line is not a file to read: (code, zh, en).
_NOT_FOUND = ("not-found", "文件不存在：请检查路径。", "No such file: check the path.")
_LOOP = ("symlink-loop", "符号链接指向自身（循环）：请改用文件本身的路径。",
         "The symbolic link loops back on itself: name the file itself.")
_DENIED = ("permission-denied", "没有读取此文件的权限：请检查文件权限。",
           "You may not read this file: check its permissions.")


def _os_problem(e: OSError) -> tuple[str, str, str]:
    if e.errno == errno.ELOOP:
        return _LOOP
    if e.errno in (errno.EACCES, errno.EPERM):
        return _DENIED
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return _NOT_FOUND
    why = e.strerror or type(e).__name__
    return ("unreadable-file", f"无法读取文件（{why}）。", f"The file cannot be read ({why}).")


def input_problem(path: Path) -> tuple[str, str, str] | None:
    """Why `path` cannot be checked as a file, or None. Only regular files are read: a folder, a FIFO
    (which would wait for a writer forever) or a device such as /dev/zero (endless) is refused."""
    try:
        st = os.stat(path)
    except OSError as e:
        return _os_problem(e)
    if stat.S_ISDIR(st.st_mode):
        return ("is-a-folder", "这是一个文件夹，不是文件：请指明其中的报告文件（nianbao ingest 可以读整个文件夹）。",
                "This is a folder, not a file: name the report files in it (nianbao ingest reads whole folders).")
    if not stat.S_ISREG(st.st_mode):
        return ("not-a-regular-file", "这不是普通文件（管道、设备等）：请先把内容存成文件再检查。",
                "This is not a regular file (a pipe, a device…): save the content to a file and check that.")
    if not os.access(path, os.R_OK):
        return _DENIED
    return None


def rules_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nianbao rules", description="List the finding codes.")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = ap.parse_args(argv)
    from reports.codes import CODES

    width = max(len(c) for c in CODES)
    for code, (sev, zh, en) in CODES.items():
        print(f"{code:<{width}}  {sev:<7}  {zh if args.lang == 'zh' else en}")
    return 0
