"""Cross-year rules of FORMAT.md: they compare a report with the same agency's report of the year before.

Pure functions over figure dicts (canonical key -> value or None). The store runs them on save,
since only the store knows the other year's report.

- carryover-mismatch: s3.carried_in.<col> this year should equal s3.carried_out.<col> of last year.
- in-force-mismatch: s2.<rules|normative>.in_force this year should equal last year's in_force
  plus this year's issued minus this year's repealed (a blank issued/repealed counts as 0, as in
  the other arithmetic rules; a blank in_force on either side skips the check).
"""

from __future__ import annotations

from reports.model import S3_COLUMN_LABELS, S3_COLUMNS, Finding, Location

CROSS_YEAR_CODES: tuple[str, ...] = ("carryover-mismatch", "in-force-mismatch")

_IN_FORCE_LABELS: dict[str, tuple[str, str]] = {
    "rules": ("规章", "rules"),
    "normative": ("行政规范性文件", "normative documents"),
}


def _num(v: float) -> int | float:
    """Integral values print as integers (12, not 12.0)."""
    return int(v) if float(v).is_integer() else v


def _differs(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) > 1e-9


def cross_year_findings(
    current: dict[str, float | None], previous: dict[str, float | None], *, previous_year: int
) -> list[Finding]:
    """Warnings where this year's figures do not follow from last year's report."""
    findings: list[Finding] = []
    for col in S3_COLUMNS:
        now = current.get(f"s3.carried_in.{col}")
        before = previous.get(f"s3.carried_out.{col}")
        if now is None or before is None or not _differs(now, before):
            continue
        zh_col, en_col = S3_COLUMN_LABELS[col]
        findings.append(
            Finding(
                code="carryover-mismatch",
                severity="warning",
                message_zh=(
                    f"上年结转政府信息公开申请数量（{zh_col}）为 {_num(now)}，"
                    f"与 {previous_year} 年报告的“结转下年度继续办理”{_num(before)} 不一致"
                ),
                message_en=(
                    f"applications carried over from last year ({en_col}) are {_num(now)}, but the "
                    f"{previous_year} report carried {_num(before)} over to the next year"
                ),
                location=Location(section=3, row="carried_in", column=col, key=f"s3.carried_in.{col}"),
                expected=_num(before),
                actual=_num(now),
            )
        )
    for kind, (zh, en) in _IN_FORCE_LABELS.items():
        now = current.get(f"s2.{kind}.in_force")
        before = previous.get(f"s2.{kind}.in_force")
        if now is None or before is None:
            continue
        issued = current.get(f"s2.{kind}.issued") or 0
        repealed = current.get(f"s2.{kind}.repealed") or 0
        expected = before + issued - repealed
        if not _differs(now, expected):
            continue
        findings.append(
            Finding(
                code="in-force-mismatch",
                severity="warning",
                message_zh=(
                    f"{zh}现行有效件数为 {_num(now)}，但 {previous_year} 年报告的现行有效件数 {_num(before)}"
                    f" 加本年制发 {_num(issued)} 减本年废止 {_num(repealed)} 应为 {_num(expected)}"
                ),
                message_en=(
                    f"{en} in force are {_num(now)}, but the {previous_year} report's {_num(before)} in force"
                    f" plus {_num(issued)} issued minus {_num(repealed)} repealed makes {_num(expected)}"
                ),
                location=Location(section=2, row=kind, column="in_force", key=f"s2.{kind}.in_force"),
                expected=_num(expected),
                actual=_num(now),
            )
        )
    return findings
