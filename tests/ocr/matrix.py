"""The rasterised fixtures and how an OCR reading of them is scored (tests/ocr and bench/bench_ocr.py).

A fixture is a generated report (the pdf layout family of tests/engine/families.py) rasterised at
150 or 200 dpi with some damage, bound back into an image-only PDF. Its OCR reading is scored
against the same file's text layer as the engine reads it: each figure is read the same, marked
unreadable, or read wrong (the only failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import reports
from reports.model import Report
from tests.engine.families import random_set, render
from tests.ocr.raster import Damage, damage, image_pdf, rasterise

DAMAGES = (
    Damage(),
    Damage(skew=1.0, blur=0.8),
    Damage(skew=-1.0, jpeg=40),
    Damage(skew=0.5, speckle=0.002, jpeg=70),
)


@dataclass
class Fixture:
    name: str
    text_pdf: bytes
    scan: bytes
    pages: int
    dpi: int


@dataclass
class Score:
    same: int = 0
    unreadable: int = 0
    wrong: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.same + self.unreadable + len(self.wrong)


def report_pdf(seed: int, kind: str = "plain") -> tuple[bytes, dict[str, object], frozenset[str]]:
    """A generated report as a PDF with a text layer, its true figures and its zero cells."""
    r = render("pdf", random_set(seed, kind), seed)
    zero = frozenset(k for k, v in r.values.items() if v == 0)
    return r.data, dict(r.truth), zero


def fixture(text_pdf: bytes, dpi: int, dmg: Damage, seed: int, name: str = "") -> Fixture:
    pages = [damage(img, dmg, seed * 100 + i) for i, img in enumerate(rasterise(text_pdf, dpi))]
    return Fixture(name or f"{dpi}dpi-{dmg.name}", text_pdf, image_pdf(pages, dpi), len(pages), dpi)


def score(want: dict[str, object], scanned: Report, zero: frozenset[str] = frozenset()) -> Score:
    """Every figure wanted against the scan's reading; a key in `zero` (a cell the report leaves
    blank or marks "—") may read as blank or 0."""
    s = Score()
    for key, value in want.items():
        got = scanned.cells.get(key)
        v = scanned.figures.get(key)
        if got is not None and got.status == "unreadable":
            s.unreadable += 1
        elif v == value or key in zero and v in (None, 0):
            s.same += 1
        else:
            s.wrong.append((key, value, v))
    return s


def check(data: bytes, name: str) -> Report:
    return reports.check(data, name, timeout=600)
