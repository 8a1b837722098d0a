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


PARTIAL = ["pingtan-2019", "pingtan-2022", "shanghai-stcsm-2024", "shanghai-gov-office-2025", "shuyang-2025",
           "shuyang-fgj-2023"]


@pytest.mark.parametrize("name", PARTIAL)
def test_partial_samples_as_expected(name: str) -> None:
    """The samples whose expected readings list only the certain figures (what check_samples.py asks)."""
    exp = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    r = _check(exp["file"])
    assert {k: r.figures[k] for k in exp["figures"]} == exp["figures"]
    assert (r.agency, r.year) == (exp["agency"], exp["year"])
    if "verdict" in exp:
        assert r.verdict == exp["verdict"]
    if "error_codes" in exp:
        assert sorted({f.code for f in r.errors}) == sorted(exp["error_codes"])
    assert set(exp.get("warning_codes_include", [])) <= {f.code for f in r.findings}


def test_pingtan_2019_table2_glued_rows() -> None:
    """"行政许可3960181": 上一年项目数量 / 本年增/减 / 处理决定数量 run together. The format signs a change
    that is not 0, so the unsigned one is the lone "0": 396 / 0 / 181. "规范性文件898989" has no such
    cell and no arithmetic (89/89/89, 8/98/989 …): it is reported unreadable."""
    r = _check("pingtan-2019.txt")
    assert r.format == "2019"
    v = "s2.v2019."
    assert {k: r.figures[k] for k in r.figures if k.startswith("s2.") and r.figures[k] is not None} == {
        f"{v}rules.made": 0, f"{v}rules.published": 0, f"{v}rules.total_public": 0,
        f"{v}licensing.prev": 396, f"{v}licensing.change": 0, "s2.licensing": 181,
        f"{v}other_services.prev": 10, f"{v}other_services.change": 0, f"{v}other_services.decisions": 153,
        f"{v}punishment.prev": 2648, f"{v}punishment.change": 0, "s2.punishment": 430,
        f"{v}coercion.prev": 126, f"{v}coercion.change": 0, "s2.coercion": 25,
        f"{v}fees.prev": 35, f"{v}fees.change": 0,
    }
    assert [(f.code, f.location.key) for f in r.findings] == [
        ("unreadable-cell", f"{v}normative.{c}") for c in ("made", "published", "total_public")]
