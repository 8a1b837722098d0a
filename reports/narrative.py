"""Checks on the report's prose: figures stated in the narrative against the tables, the year in the
title against the statistics period, and the information-processing fee statement of section 6."""

from __future__ import annotations

import re

from reports.lazyre import LazyPattern
from reports.model import S3_APPLICANT_COLUMNS, Finding, Location, Report
from reports.sections import period_in_text
from reports.text import squash

_RECEIVED = re.compile(
    r"(?:收到|受理|新收|接收|接到)(?:[^。；;，,、]{0,14}?)申请(?:数量)?(?:共计|共|合计|总计|为)?(\d{1,12})(?:件|份|条|个)"
)
_NONE_RECEIVED = LazyPattern(r"未(?:收到|受理|接到|产生|发生)(?:[^。；;，,]{0,10}?)(?:申请|依申请公开事项|依申请公开)")
_REVIEW = re.compile(r"行政复议(?:案件|申请)?(?:共计|共|合计)?(\d{1,12})(?:件|起|宗)")
_SUIT = re.compile(r"行政诉讼(?:案件)?(?:共计|共|合计)?(\d{1,12})(?:件|起|宗)")
_NO_APPEALS = re.compile(
    r"未(?:发生|收到|产生|出现)(?:[^。；;]{0,10}?)行政复议(?:[、和及或与]行政诉讼)?(?![^。；;，,]{0,3}(?:纠错|纠正|败诉|撤销|确认违法))"
)
_FEE = re.compile(r"信息处理费|处理费|收取[^。；;]{0,12}费|收费|费用")


def _value(r: Report, key: str) -> int | float | None:
    c = r.cells.get(key)
    if c is None or c.status not in ("read", "marker", "derived", "blank"):
        return None
    return c.value or 0


def _new_total(r: Report) -> int | float | None:
    v = _value(r, "s3.new.total") if r.has_total_column else None
    if v is not None:
        return v
    parts = [_value(r, f"s3.new.{c}") for c in S3_APPLICANT_COLUMNS]
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[misc]


def _carried_in_total(r: Report) -> int | float | None:
    v = _value(r, "s3.carried_in.total") if r.has_total_column else None
    if v is not None:
        return v
    parts = [_value(r, f"s3.carried_in.{c}") for c in S3_APPLICANT_COLUMNS]
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[misc]


def _mismatch(what_zh: str, what_en: str, stated: int | float, table: int | float, section: int,
              key: str) -> Finding:
    return Finding(
        "narrative-mismatch", "warning",
        f"正文称{what_zh}{stated:g}件，但表格中为{table:g}件。",
        f"The text states {stated:g} {what_en}, but the table has {table:g}.",
        Location(section=1, key=key), expected=table, actual=stated,
    )


def narrative_findings(r: Report) -> list[Finding]:
    out: list[Finding] = []
    text = squash(r.section_text.get(1, ""))
    if 3 in r.tables_found and text:
        total = _new_total(r)
        m = _RECEIVED.search(text)
        carried = _carried_in_total(r)
        stated = int(m.group(1)) if m else None
        # Many reports count the applications handled: this year's plus those carried in.
        if total is not None and stated is not None and stated != total \
                and (carried is None or stated != total + carried):
            out.append(_mismatch("收到政府信息公开申请", "applications received", stated, total, 3, "s3.new.total"))
        elif total is not None and not m and _NONE_RECEIVED.search(text) and total != 0:
            out.append(_mismatch("未收到政府信息公开申请，即", "applications received (none)", 0, total, 3,
                                 "s3.new.total"))
    if 4 in r.tables_found and text:
        review = _value(r, "s4.review.total")
        suits = [_value(r, "s4.suit_direct.total"), _value(r, "s4.suit_after_review.total")]
        m = _REVIEW.search(text)
        if review is not None and m and int(m.group(1)) != review:
            out.append(_mismatch("行政复议", "administrative reviews", int(m.group(1)), review, 4, "s4.review.total"))
        m = _SUIT.search(text)
        if None not in suits and m and int(m.group(1)) != sum(suits):  # type: ignore[arg-type]
            out.append(_mismatch("行政诉讼", "lawsuits", int(m.group(1)), sum(suits), 4,  # type: ignore[arg-type]
                                 "s4.suit_direct.total"))
        if _NO_APPEALS.search(text) and review:
            out.append(_mismatch("未发生行政复议，即", "administrative reviews (none)", 0, review, 4,
                                 "s4.review.total"))
    out += _year_findings(r)
    out += _fee_findings(r)
    return out


def _year_findings(r: Report) -> list[Finding]:
    period = period_in_text(r.preamble) or period_in_text(r.section_text.get(1, "")[:400])
    if period is None:
        return []
    y1, y2 = period
    if y1 != y2:
        return [Finding("year-mismatch", "error", f"统计期限跨越{y1}年和{y2}年，应为同一自然年度。",
                        f"The statistics period runs from {y1} to {y2}; it must be one calendar year.",
                        Location(section=None), expected=r.year, actual=[y1, y2])]
    if r.year and y1 != r.year:
        return [Finding("year-mismatch", "error", f"标题年度为{r.year}年，但统计期限为{y1}年。",
                        f"The title says {r.year} but the statistics period is {y1}.",
                        Location(), expected=r.year, actual=y1)]
    return []


def _fee_findings(r: Report) -> list[Finding]:
    if r.year is not None and r.year < 2021:
        return []  # the fee measures date from late 2020
    text = squash(r.section_text.get(6, ""))
    if 6 not in r.section_text or not text:
        text = squash(r.section_text.get(1, "") + r.section_text.get(5, "") + r.preamble)
    if _FEE.search(text):
        return []
    return [Finding("fee-statement-missing", "warning",
                    "第六部分未说明信息处理费的收取情况（应写明收取金额或“未收取信息处理费”）。",
                    "Section 6 says nothing of the information-processing fee (state the amount, or that none "
                    "was charged).", Location(section=6))]
