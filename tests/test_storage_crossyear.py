"""Cross-year rules (reports/crossyear.py) on figure dicts: exact findings, and no finding when the
years agree or a figure is blank."""

from __future__ import annotations

from reports.crossyear import cross_year_findings
from reports.model import S3_COLUMNS


def as_tuples(found: list) -> list[tuple]:
    return [
        (f.code, f.severity, f.location.section, f.location.row, f.location.column, f.location.key, f.expected, f.actual)
        for f in found
    ]


def test_carryover_mismatch_per_column() -> None:
    previous = {f"s3.carried_out.{c}": 0 for c in S3_COLUMNS} | {"s3.carried_out.person": 4, "s3.carried_out.total": 4}
    current = {f"s3.carried_in.{c}": 0 for c in S3_COLUMNS} | {"s3.carried_in.legal": 2, "s3.carried_in.total": 2}
    found = cross_year_findings(current, previous, previous_year=2022)
    assert as_tuples(found) == [
        ("carryover-mismatch", "warning", 3, "carried_in", "person", "s3.carried_in.person", 4, 0),
        ("carryover-mismatch", "warning", 3, "carried_in", "legal", "s3.carried_in.legal", 0, 2),
        ("carryover-mismatch", "warning", 3, "carried_in", "total", "s3.carried_in.total", 4, 2),
    ]
    assert found[0].message_zh == "上年结转政府信息公开申请数量（自然人）为 0，与 2022 年报告的“结转下年度继续办理”4 不一致"
    assert found[0].message_en == (
        "applications carried over from last year (natural persons) are 0, but the 2022 report carried 4 over"
        " to the next year"
    )


def test_in_force_mismatch() -> None:
    previous = {"s2.rules.in_force": 10, "s2.normative.in_force": 30.0}
    current = {
        "s2.rules.issued": 3, "s2.rules.repealed": 1, "s2.rules.in_force": 12,  # 10 + 3 - 1: agrees
        "s2.normative.issued": 5, "s2.normative.repealed": None, "s2.normative.in_force": 31,  # blank counts as 0
    }
    found = cross_year_findings(current, previous, previous_year=2023)
    assert as_tuples(found) == [("in-force-mismatch", "warning", 2, "normative", "in_force", "s2.normative.in_force", 35, 31)]
    assert found[0].message_zh == (
        "行政规范性文件现行有效件数为 31，但 2023 年报告的现行有效件数 30 加本年制发 5 减本年废止 0 应为 35"
    )
    assert found[0].message_en == (
        "normative documents in force are 31, but the 2023 report's 30 in force plus 5 issued minus 0 repealed makes 35"
    )


def test_agreement_and_blanks_give_nothing() -> None:
    previous = {f"s3.carried_out.{c}": 1 for c in S3_COLUMNS} | {"s2.rules.in_force": None, "s2.normative.in_force": 2}
    current = {f"s3.carried_in.{c}": 1 for c in S3_COLUMNS} | {
        "s3.carried_in.total": None,  # blank: nothing to compare
        "s2.rules.in_force": 99,  # last year blank: nothing to compare
        "s2.normative.issued": 1, "s2.normative.repealed": 1, "s2.normative.in_force": 2.0,
    }
    assert cross_year_findings(current, previous, previous_year=2020) == []
    assert cross_year_findings({}, {}, previous_year=2020) == []
