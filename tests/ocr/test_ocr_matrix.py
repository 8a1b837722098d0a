"""The rasterised fixtures, every figure read exactly or marked unreadable (none read wrong): a
generated report at 150 and 200 dpi with skew, blur, JPEG artefacts and speckle, bound back into
image-only PDFs, and the shared huaian-2024.pdf rasterised the same way against its text layer.

Slow (a few minutes of OCR): run once, on the SQLite pass of CI (OCR never touches the store)."""

from __future__ import annotations

import functools
import os

import pytest

import reports
from reports.readers import ocr
from tests.engine.helpers import SAMPLES
from tests.ocr.conftest import needs_ocr
from tests.ocr.matrix import DAMAGES, Damage, fixture, report_pdf, score

pytestmark = [
    pytest.mark.slow,
    needs_ocr,
    pytest.mark.skipif(bool(os.environ.get("NIANBAO_TEST_DATABASE_URL")),
                       reason="OCR does not touch the store: the matrix runs on the SQLite pass only"),
]

CASES = [(150, d) for d in DAMAGES] + [(200, DAMAGES[0]), (200, DAMAGES[3])]


@functools.cache
def _report() -> tuple[bytes, dict[str, object], frozenset[str]]:
    return report_pdf(11)


@pytest.mark.parametrize(("dpi", "dmg"), CASES, ids=[f"{dpi}dpi-{d.name}" for dpi, d in CASES])
def test_a_scanned_report_reads_every_figure_or_says_it_cannot(dpi: int, dmg: Damage) -> None:
    pdf, truth, zero = _report()
    fx = fixture(pdf, dpi, dmg, seed=dpi)
    pages: list[tuple[int, int]] = []
    ocr.configure(progress=lambda k, n: pages.append((k, n)))
    try:
        r = reports.check(fx.scan, "scan.pdf", timeout=900)
    finally:
        ocr.configure()
    assert pages == [(1, 3), (2, 3), (3, 3)]  # told page by page
    s = score(truth, r, zero)
    assert s.wrong == []
    assert s.same >= 0.95 * s.total, s
    assert (r.agency, r.year) == (reports.check(pdf, "text.pdf").agency, reports.check(pdf, "text.pdf").year)


HUAIAN = [(200, Damage()), (150, Damage(skew=-1.0, blur=0.6, jpeg=60))]


@pytest.mark.parametrize(("dpi", "dmg"), HUAIAN, ids=[f"{dpi}dpi-{d.name}" for dpi, d in HUAIAN])
def test_huaian_scanned_reads_the_figures_of_its_text_layer(dpi: int, dmg: Damage) -> None:
    pdf = (SAMPLES / "huaian-2024.pdf").read_bytes()
    text = reports.check(pdf, "huaian-2024.pdf")
    assert sum(v is not None for v in text.figures.values()) == 200
    r = reports.check(fixture(pdf, dpi, dmg, seed=3).scan, "huaian-scan.pdf", timeout=900)
    s = score(text.figures, r)
    assert s.wrong == []
    if dmg == Damage():
        assert s.same == len(text.figures)  # a clean scan: every figure, as the text layer gives it
        assert r.verdict == text.verdict == "pass"
    else:
        assert s.same >= 0.95 * s.total, s
