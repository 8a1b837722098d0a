"""A checked report as text (`nianbao check`): the verdict first, then the findings by section."""

from __future__ import annotations

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
