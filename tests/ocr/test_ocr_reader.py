"""The OCR reader on scans the tests make: a generated report rasterised, an image-only PDF, a PDF
mixing text and scanned pages, a PNG photo of the table-3 page; its bounds and its absence."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

import reports
from reports.readers import ocr, read
from tests.ocr.conftest import needs_ocr
from tests.ocr.matrix import DAMAGES, fixture, report_pdf, score
from tests.ocr.raster import damage, png, rasterise

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def _report() -> tuple[bytes, dict[str, object], frozenset[str]]:
    return report_pdf(11)


@functools.cache
def _pages(dpi: int) -> tuple:
    return tuple(rasterise(_report()[0], dpi))


@needs_ocr
def test_a_photo_of_the_table_3_page_gets_its_figures() -> None:
    pdf, truth, zero = _report()
    photo = damage(_pages(200)[1], DAMAGES[2], seed=7)  # page 2: table 3  # turned -1°, JPEG quality 40
    r = reports.check(png(photo), "photo.png", timeout=300)
    assert r.kind == "image"
    # The rows on this page (the last ones of table 3 are on the next: they are missing here).
    s3 = {k: v for k, v in truth.items() if k.startswith("s3.") and k in r.cells and r.cells[k].page == 1}
    assert len(s3) >= 120
    s = score(s3, r, zero)
    assert s.wrong == []
    assert s.same >= 0.95 * s.total


@needs_ocr
def test_a_pdf_mixing_text_and_scanned_pages_reads_both() -> None:
    import pypdfium2 as pdfium

    pdf, truth, zero = _report()
    scan = fixture(pdf, 150, DAMAGES[0], seed=1).scan
    mixed = pdfium.PdfDocument(pdf)
    mixed.del_page(1)
    mixed.import_pages(pdfium.PdfDocument(scan), [1], index=1)  # page 2 (table 3) as a scan
    import io

    buf = io.BytesIO()
    mixed.save(buf)
    doc = read(buf.getvalue())
    assert doc.ocr_pages == [2]
    assert {ln.page for ln in doc.lines} == {1, 2, 3}
    r = reports.check(buf.getvalue(), "mixed.pdf", timeout=600)
    s = score(truth, r, zero)
    assert s.wrong == [] and s.same >= 0.95 * s.total


@needs_ocr
def test_a_scan_over_the_page_limit_is_refused_before_reading() -> None:
    scan = fixture(_report()[0], 150, DAMAGES[0], seed=1).scan
    ocr.configure(max_pages=2)
    try:
        r = reports.check(scan, "scan.pdf", timeout=30)
    finally:
        ocr.configure()
    assert [f.code for f in r.findings] == ["too-large"]
    assert r.findings[0].message_zh.startswith("这份扫描件共 3 页，超过文字识别（OCR）的上限 2 页")
    assert r.findings[0].message_en.startswith("This scan has 3 pages, more than the 2 pages text recognition")


@needs_ocr
@pytest.mark.parametrize(("data", "code", "en"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not-a-report", "This picture cannot be opened"),
    ("blank", "not-a-report", "No text was found in this picture"),
])
def test_pictures_without_a_report(data: object, code: str, en: str) -> None:
    from PIL import Image

    if data == "blank":
        data = png(Image.new("L", (800, 600), 255))
    assert isinstance(data, bytes)
    r = reports.check(data, "x.png", timeout=60)
    assert [f.code for f in r.findings] == [code]
    assert r.findings[0].message_en.startswith(en)


def test_without_the_ocr_extra_scans_get_no_text_layer() -> None:
    """With rapidocr absent (blocked from import in a fresh interpreter) a scan is no-text-layer as
    before, and a photo says OCR is not installed."""
    code = (
        "import sys; sys.modules['rapidocr'] = None\n"
        "import reports\n"
        "scan = open('tests/fixtures/pdf/scanned.pdf', 'rb').read()\n"
        "from PIL import Image; import io; b = io.BytesIO(); Image.new('L', (50, 40), 255).save(b, 'PNG')\n"
        "for data in (scan, b.getvalue()):\n"
        "    f = reports.check(data, 'x').findings[0]; print(f.code, '|', f.message_en)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.splitlines() == [
        "no-text-layer | no text layer: send the Word file or an OCR'd PDF",
        "no-text-layer | no text layer (probably a scan), and text recognition (OCR) is not installed here: "
        "send the Word file or an OCR'd PDF",
    ]
