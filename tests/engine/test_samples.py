"""Every figure, the verdict and every finding of the real sample reports."""

from __future__ import annotations

import json

import pytest

import reports
from reports.model import CANONICAL_KEYS
from tests.engine.helpers import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")

NAMES = ["huaian-2024", "lingbao-2023", "xinxiang-2023"]


def _check(file: str) -> reports.Report:
    return reports.check((SAMPLES / file).read_bytes(), file)


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_as_expected(name: str) -> None:
    exp = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    r = _check(exp["file"])
    assert set(exp["figures"]) == set(CANONICAL_KEYS)
    got = {k: r.figures[k] for k in CANONICAL_KEYS}
    assert got == exp["figures"]
    assert (r.agency, r.year, r.format, r.verdict) == (exp["agency"], exp["year"], exp["format"], exp["verdict"])
    assert sorted({f.code for f in r.errors}) == sorted(exp["error_codes"])
    assert set(exp.get("warning_codes_include", [])) <= {f.code for f in r.findings}


def test_huaian_findings_and_sources() -> None:
    r = _check("huaian-2024.pdf")
    assert r.findings == []
    assert r.sections == [1, 2, 3, 4, 5, 6]
    assert r.kind == "pdf" and r.pages == 6
    assert r.figures["s2.fees"] == 96171.6
    assert (r.cells["s3.new.total"].page, r.cells["s3.new.total"].value) == (4, 3119)
    assert r.cells["s3.carried_out.total"].page == 5
    assert r.cells["s4.review.total"].page == 5
    assert r.cells["s2.licensing"].page == 3 and r.cells["s2.punishment"].page == 4


def test_xinxiang_has_no_findings() -> None:
    r = _check("xinxiang-2023.txt")
    assert r.findings == []
    assert r.has_total_column is True
    assert r.cells["s3.new.total"].line == 51
    assert r.cells["s2.punishment"].line == 40


def test_lingbao_findings_exact() -> None:
    r = _check("lingbao-2023.txt")
    assert [(f.code, f.severity) for f in r.findings if f.severity != "info"] == [
        ("missing-total-column", "warning")
    ]
    inferred = [(f.location.row, f.location.line) for f in r.findings if f.code == "inferred-cell"]
    # The rows of （三）–（六） have five numbers for six columns; the arithmetic puts back the zeros.
    rows = ["denied.state_secret", "denied.prohibited", "denied.security", "denied.third_party", "denied.internal",
            "denied.process", "denied.enforcement", "denied.query", "unavailable.not_held",
            "unavailable.needs_making", "unavailable.unclear", "rejected.petition", "rejected.repeated",
            "rejected.publication", "rejected.excessive", "rejected.confirmation", "other.no_correction",
            "other.no_fee", "other.misc"]
    assert inferred == list(zip(rows, range(44, 63), strict=True))
    assert r.has_total_column is False


def test_template_is_empty() -> None:
    r = _check("template-2021.docx")
    assert r.verdict == "fail"
    assert [(f.code, f.location.section) for f in r.findings] == [
        ("unknown-agency", None), ("unknown-year", None),
        ("empty-table", 2), ("empty-table", 3), ("empty-table", 4),
    ]
    assert all(v is None for v in r.figures.values())
    assert r.tables_found == [2, 3, 4] and r.has_total_column is True
