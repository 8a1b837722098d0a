"""The engine on the generated fixtures (DOCX, PDF from DOCX, HTML, GBK/BOM text) and bad input."""

from __future__ import annotations

import json

import pytest

import reports
from tests.engine.helpers import FIXTURES

REPORTS = sorted(p for p in FIXTURES.glob("*.expected.json") if "figures" in json.loads(p.read_text("utf-8")))
BAD = sorted(p for p in FIXTURES.glob("*.expected.json") if "figures" not in json.loads(p.read_text("utf-8")))


@pytest.mark.parametrize("exp_path", REPORTS, ids=lambda p: p.name.split(".")[0])
def test_fixture_read_exactly(exp_path) -> None:
    exp = json.loads(exp_path.read_text("utf-8"))
    r = reports.check((FIXTURES / exp["file"]).read_bytes(), exp["file"])
    assert {k: r.figures.get(k) for k in exp["figures"]} == exp["figures"]
    assert (r.agency, r.year, r.format) == (exp["agency"], exp["year"], exp["format"])
    defects = sorted((d["code"], d["location"].get("section"), d["location"].get("column", "*"))
                     for d in exp.get("defects", []) if d["code"] != "blank-cell")
    given = {(c, s) for c, s, col in defects if col != "*"}
    found = sorted((f.code, f.location.section, f.location.column if (f.code, f.location.section) in given else "*")
                   for f in r.findings if f.severity != "info" and f.code != "blank-cell")
    assert found == defects
    blank_expected = any(d["code"] == "blank-cell" for d in exp.get("defects", []))
    blanks = {f.location.key for f in r.findings if f.code == "blank-cell"}
    if blank_expected:
        assert blanks == {k for k, v in exp["figures"].items() if v is None and k.startswith(("s2.", "s3.", "s4."))
                          and not k.startswith("s2.v2019.")}
    else:
        assert blanks == set()


def test_column_imbalance_fixture_places_and_values() -> None:
    r = reports.check((FIXTURES / "report-2021-column-imbalance.docx").read_bytes(), "x.docx")
    assert [(f.code, f.location.column, f.expected - f.actual) for f in r.errors] == [
        ("column-balance", "person", 2), ("column-balance", "total", 2)]
    assert r.verdict == "fail"


@pytest.mark.parametrize("exp_path", BAD, ids=lambda p: p.name.split(".")[0])
def test_bad_input_is_a_clear_finding(exp_path) -> None:
    exp = json.loads(exp_path.read_text("utf-8"))
    r = reports.check((FIXTURES / exp["file"]).read_bytes(), exp["file"])
    code = "empty-file" if exp["file"] == "empty.txt" else exp["error_code"]
    assert [(f.code, f.severity) for f in r.findings] == [(code, "error")]
    assert r.verdict == "fail"
    f = r.findings[0]
    assert f.message_zh and f.message_en and "Traceback" not in f.message_en


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not-a-report"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported-format"),
        (b"PK\x03\x04" + b"\x00" * 100, "unreadable-file"),
        (b"%PDF-1.4\n garbage", "unreadable-file"),
        ("随便写的一段话，不是报告。".encode("gbk"), "not-a-report"),
    ],
)
def test_other_bad_input(data: bytes, code: str) -> None:
    r = reports.check(data, "x")
    assert [f.code for f in r.findings] == [code]


def test_size_cap() -> None:
    r = reports.check(b"x" * 2048, "big.txt", max_bytes=1024)
    assert [f.code for f in r.findings] == ["too-large"]
    assert "1024" not in r.findings[0].message_zh  # the cap is said in MB


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path) -> None:
    from reports.engine import check_file

    big = tmp_path / "huge.pdf"
    with big.open("wb") as fh:  # a sparse 200 MB file: nothing is read to refuse it
        fh.seek(200 * 1024 * 1024)
        fh.write(b"\0")
    r = check_file(big)
    assert [f.code for f in r.findings] == ["too-large"]
    assert "20 MB" in r.findings[0].message_zh and "20 MB" in r.findings[0].message_en


def test_parsing_is_bounded_in_time() -> None:
    data = (FIXTURES / "report-2021-split-table-repeat.pdf").read_bytes()
    r = reports.check(data, "x.pdf", timeout=1e-5)
    assert [f.code for f in r.findings] == ["timeout"]
    assert reports.check(data, "x.pdf").verdict == "pass"  # and the next check is not disturbed
