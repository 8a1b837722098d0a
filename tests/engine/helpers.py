"""Helpers for the engine tests: check text, find findings, build damaged reports."""

from __future__ import annotations

from pathlib import Path

import reports
from reports.model import Report
from tests.docgen import make_figures, report_text

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AGENCY = "示例市工业和信息化局"


def check_text(text: str, name: str = "report.txt", encoding: str = "utf-8") -> Report:
    return reports.check(text.encode(encoding), name)


def codes(report: Report, severity: str | None = None) -> list[str]:
    return sorted(f.code for f in report.findings if severity is None or f.severity == severity)


def places(report: Report, code: str) -> list[tuple]:
    """(section, row, column) of every finding with this code, sorted."""
    return sorted(
        (f.location.section, f.location.row, f.location.column)
        for f in report.findings if f.code == code
    )


def text_report(seed: int = 7, **kw) -> tuple[str, dict]:
    figures = make_figures(seed)
    return report_text(AGENCY, 2023, figures, **kw), figures


def table3_line(text: str, label_part: str) -> str:
    """The line of table 3 whose label contains label_part."""
    return next(line for line in text.split("\n") if label_part in line and "\t" in line)
