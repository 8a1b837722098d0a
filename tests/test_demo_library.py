"""The demo's library holds only real reports: an empty form such as the official template is
refused (it stays a sample for `nianbao check`), a real report is stored as checked."""

from __future__ import annotations

from pathlib import Path

import pytest

import reports
from bot.terminal import library_check

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_the_empty_template_is_not_a_library_report() -> None:
    data = (SAMPLES / "template-2021.docx").read_bytes()
    r = library_check(data, "template-2021.docx")
    assert r.findings[0].code == "not-a-report"
    assert r.findings[0].message_en == "an empty form (no agency, year or figure): not put in the demo library"
    plain = reports.check(data, "template-2021.docx")  # `nianbao check` still reads it as a report
    assert "not-a-report" not in [f.code for f in plain.findings]


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_a_real_report_is_stored_as_checked() -> None:
    data = (SAMPLES / "lingbao-2023.txt").read_bytes()
    r = library_check(data, "lingbao-2023.txt")
    assert r.to_json() == reports.check(data, "lingbao-2023.txt").to_json()
    assert r.agency == "灵宝市工业和信息化科技局" and r.year == 2023
