"""The pdf layout family: report blocks drawn as an A4 PDF with ruled tables, written byte by byte by
the helpers of tests/fixtures/pdf/make_fixtures.py (no PDF library).

Every table cell is a ruled box; a merged cell is one box over the rows and columns it spans, its
text at the top (a vertical label one character per line); numbers are right-aligned. A table that
runs over the foot of a page goes on at the top of the next, its header rows drawn again or not.
"""

from __future__ import annotations

import functools
import importlib.util
import random
import re
import unicodedata
from dataclasses import dataclass
from types import ModuleType

from tests.docgen import Block, Para, Table
from tests.engine.families import ZERO_MARKERS
from tests.engine.helpers import FIXTURES

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
LEFT, WIDTH, TOP, BOTTOM = 50.0, 495.0, 60.0, 780.0


@functools.cache
def _pdf() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nianbao_pdf_fixtures", FIXTURES / "pdf" / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _text(page, x: float, y: float, text: str, size: float) -> None:
    """Page.text, except that a lone CJK character between ASCII runs (or alone) is drawn with its
    neighbours in the CJK font: pdfium extracts nothing from a one-character UCS-2 string."""
    runs = re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text)
    if any(not r.isascii() and len(r) == 1 for r in runs):
        s = text if len(text) > 1 else text + " "
        page.ops.append(f"BT 1 0 0 1 {x:.2f} {_pdf().PAGE_H - y:.2f} Tm /F2 {size} Tf "
                        f"<{s.encode('utf-16-be').hex()}> Tj ET")
    else:
        page.text(x, y, text, size)


@dataclass
class _Region:
    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


def _regions(t: Table) -> list[_Region]:
    taken = [[False] * t.width for _ in t.rows]
    out: list[_Region] = []
    for r, row in enumerate(t.rows):
        c = 0
        for cell in row:
            while taken[r][c]:
                c += 1
            out.append(_Region(cell.text, r, c, cell.rowspan, cell.colspan))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            c += cell.colspan
    return out


def _widths(t: Table) -> list[float]:
    if t.number == 3:
        rest = (WIDTH - 215) / (t.width - 3)
        return [28.0, 52.0, 135.0] + [rest] * (t.width - 3)
    if t.number == 2:
        return [165.0] + [(WIDTH - 165) / 3] * 3
    return [WIDTH / t.width] * t.width


def _wrap(text: str, width: float, size: float) -> list[str]:
    per = max(1, int((width - 4) / size))
    out: list[str] = []
    for part in text.split("\n"):
        out += [part[i:i + per] for i in range(0, len(part), per)] or [""]
    return out


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pages: list = []
        self.y = TOP
        self.new_page()

    def new_page(self) -> None:
        page = _pdf().Page()
        page.text(285, 815, f"- {len(self.pages) + 1} -", 9)
        self.pages.append(page)
        self.y = TOP

    @property
    def page(self):
        return self.pages[-1]

    def para(self, p: Para) -> None:
        size = 16.0 if p.kind == "title" else 10.5
        for line in _wrap(p.text, WIDTH, size) if p.text else []:
            if self.y + size * 1.6 > BOTTOM:
                self.new_page()
            self.y += size * 1.6
            _text(self.page, LEFT + (40 if p.kind == "title" else 0), self.y, line, size)
        self.y += 4

    def table(self, t: Table) -> None:
        size = 9.0 if t.number == 2 else 7.0
        widths = _widths(t)
        xs = [LEFT + sum(widths[:i]) for i in range(t.width + 1)]
        regions = _regions(t)
        lh = size * 1.35
        heights = [lh + 8] * len(t.rows)
        for g in sorted(regions, key=lambda g: g.rowspan):
            need = len(_wrap(g.text, xs[g.col + g.colspan] - xs[g.col], size)) * lh + 8
            have = sum(heights[g.row:g.row + g.rowspan])
            if need > have:
                heights[g.row + g.rowspan - 1] += need - have
        repeat = self.rng.random() < 0.5
        placed: dict[int, tuple[int, float]] = {}  # row -> (page index, top)
        for row in range(len(t.rows)):
            if self.y + heights[row] > BOTTOM:
                self.new_page()
                if repeat and t.header_rows and row >= t.header_rows:
                    self._draw_rows(list(range(t.header_rows)), heights, xs, size, lh, regions)
            placed[row] = (len(self.pages) - 1, self.y)
            self.y += heights[row]
        self._draw(regions, placed, heights, xs, size, lh)
        self.y += 10

    def _draw_rows(self, rows: list[int], heights, xs, size, lh, regions) -> None:
        placed = {}
        for row in rows:
            placed[row] = (len(self.pages) - 1, self.y)
            self.y += heights[row]
        self._draw([g for g in regions if g.row in placed and g.row + g.rowspan - 1 in placed],
                   placed, heights, xs, size, lh)

    def _draw(self, regions, placed, heights, xs, size, lh) -> None:
        for g in regions:
            rows = [r for r in range(g.row, g.row + g.rowspan) if r in placed]
            x0, x1 = xs[g.col], xs[g.col + g.colspan]
            by_page: dict[int, list[int]] = {}
            for r in rows:
                by_page.setdefault(placed[r][0], []).append(r)
            first = True
            for pno, rs in by_page.items():
                page = self.pages[pno]
                y0 = placed[rs[0]][1]
                y1 = placed[rs[-1]][1] + heights[rs[-1]]
                for a, b, c, d in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                    page.line(a, b, c, d)
                if first and g.text:
                    lines = _wrap(g.text, x1 - x0, size)
                    if len(lines) == 1 and (_NUMBER.fullmatch(unicodedata.normalize("NFKC", lines[0]).replace(",", ""))
                                            or lines[0] in ZERO_MARKERS):
                        w = len(lines[0]) * (0.556 if lines[0].isascii() else 1.0) * size
                        _text(page, x1 - 3 - w, (y0 + y1) / 2 + size / 2 - 1, lines[0], size)
                    else:
                        for i, line in enumerate(lines):
                            _text(page, x0 + 2, y0 + 4 + (i + 1) * lh - 2, line, size)
                first = False


def pdf_bytes(report_blocks: list[Block], rng: random.Random) -> bytes:
    w = _Writer(rng)
    for b in report_blocks:
        if isinstance(b, Para):
            w.para(b)
        else:
            w.table(b)
    return _pdf().build([p.content() for p in w.pages])
