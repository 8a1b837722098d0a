"""The table arithmetic settles what OCR doubts, and what it cannot confirm is unreadable: a text
report whose cells are replaced by OCR readings (no model needed: this is the engine's side)."""

from __future__ import annotations

from reports.document import Document
from reports.engine import check_document
from reports.readers import read
from reports.readers.ocr import OcrText
from tests.docgen import make_figures, report_text

# 予以公开, 自然人 is 31 and the row's total 39 in this report (seed 5).
FIG = make_figures(5)
GRANTED = "（一）予以公开"


def _doc(cell: str | OcrText, total: str | OcrText | None = None) -> Document:
    doc = read(report_text("示例县人民政府", 2023, FIG).encode())
    line = next(ln for ln in doc.lines if GRANTED in ln.cells)
    assert line.cells[3] == "31" and line.cells[-1] == "39"
    line.cells[3] = cell
    if total is not None:
        line.cells[-1] = total
    doc.ocr_pages = [1]
    return doc


def _codes(doc: Document) -> list[str]:
    return sorted({f.code for f in check_document(doc).findings})


def test_a_doubtful_digit_the_arithmetic_settles_takes_the_value_that_adds_up() -> None:
    # OCR read 81 (its 3 unsure: 8 or 3); only 31 makes the row and the column add up.
    r = check_document(_doc(OcrText("81", 0.62, ("31",), doubtful=True)))
    assert r.figures["s3.granted.person"] == 31
    assert r.cells["s3.granted.person"].status == "read"
    assert [f.code for f in r.findings if f.severity == "error"] == []


def test_a_doubt_the_arithmetic_cannot_settle_is_unreadable_never_the_reports_error() -> None:
    # Two doubtful cells of one row: only 31 and 39 make the row and both columns add up.
    r = check_document(_doc(OcrText("37", 0.55, ("31",), doubtful=True), OcrText("89", 0.5, ("39",), doubtful=True)))
    assert r.figures["s3.granted.person"] == 31 and r.figures["s3.granted.total"] == 39
    # A doubt with no other reading to try (a character that is no digit), that nothing confirms.
    r = check_document(_doc(OcrText("3?", 0.4, (), doubtful=True)))
    assert r.cells["s3.granted.person"].status == "unreadable" and r.figures["s3.granted.person"] is None
    codes = [f.code for f in r.findings if f.severity == "error"]
    assert codes == ["unchecked-relation"]  # no column or row sum blames the report
    cell = next(f for f in r.findings if f.code == "unreadable-cell")
    assert cell.ocr_confidence == 0.4
    assert cell.message_en.endswith("(read by OCR, confidence 40%)")
    assert cell.to_json()["ocr_confidence"] == 0.4


def test_two_readings_that_both_add_up_are_unreadable() -> None:
    # 31 read unsure and its total too: (31, 39) and (37, 45) both balance the row; the column
    # (七）总计 still decides the person figure, the total column its total.
    r = check_document(_doc(OcrText("31", 0.6, ("37",), doubtful=True), OcrText("39", 0.6, ("45",), doubtful=True)))
    assert r.figures["s3.granted.person"] == 31 and r.figures["s3.granted.total"] == 39


def test_a_sure_reading_that_does_not_add_up_is_the_reports_error_and_says_ocr() -> None:
    r = check_document(_doc(OcrText("30", 0.999)))
    assert r.figures["s3.granted.person"] == 30
    errors = {f.code: f for f in r.findings if f.severity == "error"}
    assert sorted(errors) == ["results-total", "row-total"]
    # Both sums rest on the OCR-read cell: the row's and the column's (whose total line is plain text
    # here) say so, with its confidence.
    for code in ("row-total", "results-total"):
        f = errors[code]
        assert f.ocr_confidence == 0.999 and f.to_json()["ocr_confidence"] == 0.999
        assert f.message_en.endswith("difference 1. (read by OCR, confidence 99.9%)")
        assert f.message_zh.endswith("（该数字由文字识别（OCR）读出，置信度 99.9%）")
    # A text report's findings never say OCR.
    plain = check_document(read(report_text("示例县人民政府", 2023, {**FIG, "s3.granted.person": 30}).encode()))
    assert sorted(f.code for f in plain.findings if f.severity == "error") == ["results-total", "row-total"]
    assert all(f.ocr_confidence is None and "OCR" not in f.message_en for f in plain.findings)


def test_a_doubtful_figure_nothing_checks_is_unreadable() -> None:
    # Table 2 has no arithmetic: a doubtful digit there is never taken on trust.
    doc = read(report_text("示例县人民政府", 2023, FIG).encode())
    want = str(FIG["s2.licensing"])
    line = next(ln for ln in doc.lines if "行政许可" in ln.text and want in ln.cells)
    i = line.cells.index(want)
    line.cells[i] = OcrText(want, 0.7, (want.replace(want[0], "8", 1),), doubtful=True)
    doc.ocr_pages = [1]
    r = check_document(doc)
    assert r.cells["s2.licensing"].status == "unreadable"
    assert "unreadable-cell" in {f.code for f in r.findings}


def test_without_ocr_pages_nothing_changes() -> None:
    doc = _doc("31")
    doc.ocr_pages = []
    assert _codes(doc) == _codes(read(report_text("示例县人民政府", 2023, FIG).encode()))


def test_an_ocr_cell_survives_the_trip_from_the_worker() -> None:
    import pickle

    cell = pickle.loads(pickle.dumps(OcrText("81", 0.62, ("31",), doubtful=True)))
    assert (cell, cell.conf, cell.alts, cell.doubtful) == ("81", 0.62, ("31",), True)
    r = check_document(_doc(OcrText("81", 0.62, ("31",), doubtful=True)))
    assert pickle.loads(pickle.dumps(r)).figures == r.figures
