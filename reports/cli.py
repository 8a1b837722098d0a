"""`nianbao check`, `nianbao rules` and the text rendering of a checked report."""

from __future__ import annotations

import argparse
import json
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
        verdict = f"✔ 通过（{n_err} 个错误，{n_warn} 个警告）" if zh else f"✔ pass ({n_err} errors, {n_warn} warnings)"
    else:
        verdict = f"✘ 未通过（{n_err} 个错误，{n_warn} 个警告）" if zh else f"✘ fail ({n_err} errors, {n_warn} warnings)"
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
        try:
            report = check_file(path, max_bytes=max_bytes, timeout=args.timeout)
        except OSError as e:
            msg = f"无法打开文件：{e.strerror}" if args.lang == "zh" else f"cannot open the file: {e.strerror}"
            print(f"{path}: {msg}", file=sys.stderr)
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


def rules_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nianbao rules", description="List the finding codes.")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = ap.parse_args(argv)
    from reports.codes import CODES

    width = max(len(c) for c in CODES)
    for code, (sev, zh, en) in CODES.items():
        print(f"{code:<{width}}  {sev:<7}  {zh if args.lang == 'zh' else en}")
    return 0
