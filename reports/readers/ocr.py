"""The OCR reader: pages without a text layer (scanned PDF pages) and photos of pages (PNG, JPEG).

A page image is straightened and its table rulings found (reports.readers.ocr_grid); the text lines
found by the detector are cut where a ruling crosses them and read by the recogniser
(reports.readers.ocr_model). Every recognised character becomes a character box in page points,
and the page is laid out by the PDF reader's own code (pdf.layout): the same grids, merged cells,
rows without rulings and table numbering as a PDF's text layer gets.

A table cell read by OCR is an `OcrText`: its text, the lowest probability of its characters and
the other readings of its doubtful digits. The engine lets the table arithmetic choose among them
(reports.readers.ocr_settle); what the arithmetic cannot confirm is reported unreadable.

Bounds: at most `max_pages` pages are read (the caller's setting; MAX_PAGES by default), images of
at most MAX_PIXELS, and the caller's time limit applies (the engine's alarm interrupts the models
between two calls).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reports.document import Document, Line, ReadError
from reports.readers.ocr_model import available

MAX_PAGES = 20  # the default of NIANBAO_OCR_MAX_PAGES
MAX_THREADS = 16
# onnxruntime threads unless the caller says: a process reading alone (`nianbao check`, one file at a
# time) has every core; workers side by side are given their share (the bot: NIANBAO_OCR_THREADS).
def _threads(n: int) -> int:
    return max(1, min(MAX_THREADS, n))


THREADS = _threads(os.cpu_count() or 1)
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx
DPI = 200  # PDF pages without text are rendered at this resolution
DOUBT = 0.97  # a digit read with a lower probability is in doubt
_CONFUSED = {"0": "8", "8": "0", "1": "7", "7": "1", "6": "5", "5": "6", "3": "8"}
_DASH_READINGS = frozenset({"一", "一一", "_", "__", "-", "--", "－", "–", "—", "——", "~", "="})
_SPECKS = ".,·:;'`、。，"  # what a speck of dust or JPEG noise beside a dash reads as
MAX_DOUBTS = 3  # doubtful digits in one cell whose other readings are offered (else: unreadable)

Progress = Callable[[int, int], None]
_settings: dict[str, Any] = {"max_pages": MAX_PAGES, "progress": None, "threads": THREADS}


def configure(*, max_pages: int | None = None, progress: Progress | None = None, threads: int | None = None) -> None:
    """Set this process's page limit (the bot's NIANBAO_OCR_MAX_PAGES), the callback told of each
    page as it is read (page, pages) and the models' threads (NIANBAO_OCR_THREADS): the worker calls
    it before a check."""
    _settings["max_pages"] = MAX_PAGES if max_pages is None else max_pages
    _settings["progress"] = progress
    _settings["threads"] = THREADS if threads is None else _threads(threads)

__all__ = ["MAX_PAGES", "OcrText", "available", "read_image", "read_pdf_pages"]


class OcrText(str):
    """A cell's text as OCR read it, with its lowest character probability and the other texts its
    doubtful digits allow (empty: nothing in doubt, or too much)."""

    conf: float
    alts: tuple[str, ...]
    doubtful: bool

    def __new__(cls, text: str, conf: float, alts: tuple[str, ...] = (), doubtful: bool = False) -> OcrText:
        obj = super().__new__(cls, text)
        obj.conf, obj.alts, obj.doubtful = conf, alts, doubtful
        return obj

    def __reduce__(self) -> tuple:  # a report crosses from the worker to the bot pickled
        return (OcrText, (str(self), self.conf, self.alts, self.doubtful))


def _refusal(n: int, limit: int) -> ReadError:
    return ReadError(
        "too-large",
        f"这份扫描件共 {n} 页，超过文字识别（OCR）的上限 {limit} 页：请只发送统计表所在的页面，或发送有文字层的 PDF/Word 文件。",
        f"This scan has {n} pages, more than the {limit} pages text recognition (OCR) reads: send only the "
        "pages with the tables, or a PDF/Word file with a text layer.",
        f"{n} pages to OCR > {limit}",
    )


def unavailable_error(reason: str) -> ReadError:
    return ReadError(
        "no-text-layer",
        "没有文字层（可能是扫描件），本机未安装文字识别（OCR）组件：请发送 Word 文件或经过 OCR 的 PDF",
        "no text layer (probably a scan), and text recognition (OCR) is not installed here: send the Word "
        "file or an OCR'd PDF",
        reason,
    )


# --- one page ------------------------------------------------------------------------------------


def _char_type() -> type:
    from reports.readers.pdf import _Char

    @dataclass(slots=True)
    class OcrChar(_Char):
        prob: float = 1.0
        alt: str | None = None

    return OcrChar


_OcrChar: type | None = None


def page_items(gray: object, px_per_pt: float) -> list:
    """The lines of one page image (grayscale numpy array), as pdf.layout makes them."""
    global _OcrChar
    import cv2
    import numpy as np

    from reports.readers import pdf
    from reports.readers.ocr_grid import ink, prepare
    from reports.readers.ocr_model import Models

    if _OcrChar is None:
        _OcrChar = _char_type()
    assert isinstance(gray, np.ndarray)
    models = Models.get(_settings["threads"])
    page = prepare(gray, px_per_pt)
    clean = page.clean
    marks = ink(clean)
    h, w = clean.shape
    boxes = models.detect(cv2.cvtColor(clean, cv2.COLOR_GRAY2BGR))
    boxes += _missed(marks, boxes, px_per_pt)
    pieces: list[tuple[int, int, int, int]] = []
    for x0, y0, x1, y1 in boxes:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 - x0 < 3 or y1 - y0 < 5:
            continue
        ymid = (y0 + y1) / 2
        cuts = sorted(x for x, a, b in page.vertical if x0 + 2 < x < x1 - 2 and a <= ymid <= b)
        for a, b in itertools.pairwise([x0, *cuts, x1]):
            cols = np.flatnonzero(marks[y0:y1, int(a):int(b)].any(axis=0))
            if len(cols) == 0:
                continue
            pa, pb = int(a) + int(cols[0]), int(a) + int(cols[-1]) + 1
            pieces.append((max(int(a), pa - 6), y0, min(int(b), pb + 6), y1))
    crops = [clean[y0:y1, x0:x1] for x0, y0, x1, y1 in pieces]
    readings = models.recognise(crops) if crops else []
    chars = []
    for (x0, y0, _x1, y1), reading in zip(pieces, readings, strict=True):
        glyphs = reading.glyphs
        if not glyphs:
            continue
        em = float(y1 - y0)
        centres = [x0 + g.x for g in glyphs]
        halves = [(0.45 if pdf._is_wide(g.ch) else 0.28) * em for g in glyphs]
        for i, g in enumerate(glyphs):
            left = centres[i] - halves[i]
            right = centres[i] + halves[i]
            if i > 0 and not g.space_before:
                left = (centres[i - 1] + centres[i]) / 2
            if i + 1 < len(glyphs) and not glyphs[i + 1].space_before:
                right = (centres[i] + centres[i + 1]) / 2
            if i > 0 and g.space_before:
                left = max(left, centres[i - 1] + 0.3 * em)
                left = min(left, centres[i] - 0.05 * em)
            chars.append(_OcrChar(g.ch, left / px_per_pt, y0 / px_per_pt, right / px_per_pt, y1 / px_per_pt,
                                  g.prob, g.alt))
    rulings = pdf._Rulings()
    for y, a, b in page.horizontal:
        rulings.horizontal.append((y / px_per_pt, a / px_per_pt, b / px_per_pt))
    for x, a, b in page.vertical:
        rulings.vertical.append((x / px_per_pt, a / px_per_pt, b / px_per_pt))
    items = pdf.layout(chars, rulings, _cell_text)
    _mark_text_rows(items, chars)
    return items


def _missed(marks: object, boxes: list[tuple[int, int, int, int]], px_per_pt: float) -> list[tuple[int, int, int, int]]:
    """Boxes around ink the detector left out (it can miss a short number standing alone in a cell):
    marks taller than a speck, outside every detected box, joined into words."""
    import cv2
    import numpy as np

    assert isinstance(marks, np.ndarray)
    rest = marks.copy()
    for x0, y0, x1, y1 in boxes:
        rest[max(0, y0):y1, max(0, x0):x1] = 0
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    keep = np.zeros_like(rest)
    min_h = 4.0 * px_per_pt  # a speck of dust or JPEG noise is smaller than any digit
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if max(bw, bh) >= min_h and bh <= 30 * px_per_pt and bw <= 60 * px_per_pt:  # a dash is flat
            keep[y:y + bh, x:x + bw] = 255
    if not keep.any():
        return []
    gap = max(3, int(3.0 * px_per_pt))  # characters of one word are closer than this
    joined = cv2.dilate(keep, np.ones((1, gap), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    pad = int(2 * px_per_pt)
    h, w = rest.shape
    return [(max(0, x - pad), max(0, y - pad), min(w, x + bw + pad), min(h, y + bh + pad))
            for x, y, bw, bh, _area in stats[1:]]


def _cell_text(chars: list) -> str:
    """A grid cell's text with its confidence and the readings its doubtful digits allow."""
    from reports.readers.pdf import _cell_text as plain

    text = plain(chars)
    if not chars:
        return text
    if text.strip(_SPECKS) in _DASH_READINGS:
        text = "—"  # a dash alone in a cell (a zero marker) reads as 一 or _ as often as —, a speck beside it as .
    conf = min(getattr(c, "prob", 1.0) for c in chars)
    doubts = [c for c in chars if c.ch.isdigit() and getattr(c, "prob", 1.0) < DOUBT]
    if conf >= DOUBT:
        return OcrText(text, conf)
    if not doubts or len(doubts) > MAX_DOUBTS or any(not c.ch.isdigit() and c.prob < DOUBT for c in chars):
        return OcrText(text, conf, (), True)
    options = []
    for c in doubts:
        others = {o for o in (c.alt, _CONFUSED.get(c.ch)) if o and o.isdigit() and o != c.ch}
        options.append([c.ch, *sorted(others)])
    alts: list[str] = []
    for combo in itertools.product(*options):
        if all(a == c.ch for a, c in zip(combo, doubts, strict=True)):
            continue
        saved = [c.ch for c in doubts]
        for a, c in zip(combo, doubts, strict=True):
            c.ch = a
        alts.append(plain(chars))
        for s, c in zip(saved, doubts, strict=True):
            c.ch = s
    return OcrText(text, conf, tuple(alts), True)


def _mark_text_rows(items: list, chars: list) -> None:
    """Rows without rulings carry no per-cell confidence from the layout: each of their cells gets
    the lowest probability of the characters on its line (no other readings: in doubt, unreadable)."""
    for item in items:
        if item.table is not None:
            continue
        on_line = [c for c in chars if abs(c.top - item.top) < 0.5 or (c.top <= item.top + 1 and c.bottom >= item.top + 1)]
        probs = [c.prob for c in on_line if c.ch.isdigit()]
        if not probs:
            continue
        conf = min(probs)
        item.cells = [OcrText(cell, conf, (), conf < DOUBT) if any(ch.isdigit() for ch in cell) else cell
                      for cell in item.cells]


# --- documents -----------------------------------------------------------------------------------


def _check(max_pages: int | None, n: int) -> None:
    reason = available()
    if reason is not None:
        raise unavailable_error(reason)
    limit = _settings["max_pages"] if max_pages is None else max_pages
    if n > limit:
        raise _refusal(n, limit)


def read_image(data: bytes, *, max_pages: int | None = None, progress: Progress | None = None) -> Document:
    """A photo or scan of one page (PNG, JPEG, or any format OpenCV decodes)."""
    _check(max_pages, 1)
    import cv2
    import numpy as np

    header = _image_size(data)
    if header is not None and header[0] * header[1] > MAX_PIXELS:
        raise ReadError("too-large", f"图片过大（{header[0]}×{header[1]} 像素）：请缩小后再发送。",
                        f"The image is too large ({header[0]}×{header[1]} pixels): send a smaller one.")
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise ReadError("not-a-report", "这张图片无法打开（已损坏或格式不受支持）：请发送报告的 PDF、Word 原文件，或清晰的 PNG/JPEG 表格照片。",
                        "This picture cannot be opened (damaged or in an unsupported format): send the report's PDF "
                        "or Word file, or a clear PNG/JPEG photo of the table.")
    if gray.shape[0] * gray.shape[1] > MAX_PIXELS:
        raise ReadError("too-large", "图片过大：请缩小后再发送。", "The image is too large: send a smaller one.")
    progress = progress or _settings["progress"]
    if progress:
        progress(1, 1)
    # A photo's scale is not known: take its width for an A4 page's (595 points).
    items = page_items(gray, max(0.5, gray.shape[1] / 595.0))
    doc = Document(kind="image", pages=1, ocr_pages=[1])
    _emit(doc, [(1, items)])
    if not doc.lines:
        raise ReadError("not-a-report", "这张图片里没有识别出文字：请发送报告的 PDF、Word 原文件，或清晰的表格照片。",
                        "No text was found in this picture: send the report's PDF or Word file, or a clear photo "
                        "of the table.")
    return doc


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG or JPEG header, before decoding (a decompression bomb is refused)."""
    import struct

    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None


def read_pdf_pages(pdf: object, indices: list[int], *, max_pages: int | None = None,
                   progress: Progress | None = None) -> dict[int, list]:
    """OCR of the given pages (0-based) of an open pypdfium2 document: page index -> layout items."""
    _check(max_pages, len(indices))
    import numpy as np

    progress = progress or _settings["progress"]
    out: dict[int, list] = {}
    for k, i in enumerate(indices, start=1):
        if progress:
            progress(k, len(indices))
        page = pdf[i]  # type: ignore[index]
        image = page.render(scale=DPI / 72, grayscale=True).to_numpy()
        gray = image if image.ndim == 2 else image[:, :, 0]
        out[i] = page_items(np.ascontiguousarray(gray), DPI / 72)
    return out


def _emit(doc: Document, pages: Iterable[tuple[int, list]]) -> None:
    from reports.readers.pdf import _emit as emit
    from reports.readers.pdf import _TableCounter

    tables = _TableCounter()
    for pageno, items in pages:
        emit(doc, items, pageno, tables)


def ocr_lines(doc: Document) -> Iterable[tuple[int, Line]]:
    """The lines of a document that hold OCR-read cells."""
    for i, line in enumerate(doc.lines):
        if any(isinstance(c, OcrText) for c in line.cells):
            yield i, line
