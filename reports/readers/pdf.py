"""The PDF reader: pdfium's text layer, table rows rebuilt from ruling lines or word positions.

Speed is the design constraint, so everything comes from pypdfium2 (PDFium through ctypes), which
reads a page's text in about a millisecond where pdfminer's layout analysis takes tens:

1. the raw text of every page (`get_text_bounded`), normalised;
2. pages whose text holds table vocabulary (section 二/三/四 headers and row labels) are laid out
   again from their characters' boxes and the page's straight path segments (ruling lines):
   - ruled tables: the rulings make a grid; a slot without a ruling between it and its neighbour
     belongs to the same (merged) cell; each cell's text goes to the row where the cell starts,
     so merged labels ("三、本年度办理结果", "（三）不予公开") open their first row, and every
     blank cell stays an empty string in its column;
   - text outside ruled tables is grouped into lines by position; lines that end in numbers set
     apart by wide gaps are table rows without rulings, and their numbers are put in columns by the
     x-extent of the numbers of the neighbouring rows, so a blank keeps its place;
3. the other pages are the raw text, one line per line.

A table continued at the top of the next page with the same columns keeps its table index.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from reports.document import Document, Line, ReadError
from reports.lazyre import LazyPattern
from reports.readers.pdf_bounds import check_streams

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from typing import Any

# Words found only in the tables of sections 2-4 (searched with all whitespace removed).
_TABLE_MARKERS = re.compile(
    "本年制发件数|本年废止件数|现行有效件数|处理决定数量|收费金额|申请人情况|商业企业|科研机构|"
    "社会公益组织|法律服务机构|予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|结转下年度|"
    "本年新收|上年结转|复议后起诉|未经复议"
)
# Page headers/footers: "- 3 -", "— 3 —", "第 3 页", "第3页 共6页".
_PAGE_NUMBER = re.compile(r"^[-—–－‐]+\s*\d+\s*[-—–－‐]+$|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$")
_NUMBER = re.compile(r"^[-+]?\d[\d,，]*(\.\d+)?%?$")
_BLANK_MARKS = frozenset({"-", "—", "–", "－", "——", "/", "／", "无", "\\"})
# Runs of spaces between two characters beyond Latin-1; those between two CJK characters (_is_wide)
# are the spaces pdfium puts between letter-spaced CJK characters ("商 业 企"). (A class of the CJK
# ranges costs `re` milliseconds to compile, which a fresh `nianbao check` process would pay.)
_SPACES_BEYOND_LATIN1 = re.compile(r"(?<=[^\x00-\xff]) +(?=[^\x00-\xff])")
_INVISIBLE = dict.fromkeys(map(ord, "\xad\x02\ufffe\ufeff\u200b"), None) | {0xA0: " ", 0x3000: " ", 0x09: " "}

MAX_PAGES = 100  # a report has fewer than 60 pages
MAX_PAGE_CHARS = 20_000  # a dense A4 page of small print holds about 5,000

_SNAP = 2.5  # points: rulings closer than this are one ruling
_MIN_TEXT_PER_PAGE = 15  # fewer visible characters per page on average: no text layer

_ENCRYPTED = (
    "encrypted",
    "PDF 已加密（设置了打开密码），无法读取：请发送未加密的文件。",
    "The PDF is encrypted (it needs a password to open): send an unencrypted file.",
)
_NO_TEXT = (
    "no-text-layer",
    "没有文字层（可能是扫描件）：请发送 Word 文件或经过 OCR 的 PDF",
    "no text layer: send the Word file or an OCR'd PDF",
)
_UNREADABLE = (
    "unreadable-file",
    "PDF 文件已损坏或不完整，无法读取：请重新导出或重新下载后再发送。",
    "The PDF is damaged or incomplete and cannot be read: export or download it again and resend it.",
)


def read_pdf(data: bytes) -> Document:
    """Read a PDF into lines of cells; ReadError when it is encrypted, scanned or damaged."""
    from reports.readers import pdfium

    check_streams(data)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium.FPDF_ERR_PASSWORD, pdfium.FPDF_ERR_SECURITY):
            raise ReadError(*_ENCRYPTED, detail=str(exc)) from None
        raise ReadError(*_UNREADABLE, detail=str(exc)) from None
    except Exception as exc:  # pdfium rejects some inputs before it has an error code
        raise ReadError(*_UNREADABLE, detail=repr(exc)) from None
    try:
        return _read(pdf, data)
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(*_UNREADABLE, detail=repr(exc)) from None
    finally:
        pdf.close()


def _read(pdf: Any, data: bytes) -> Document:
    n_pages = len(pdf)
    if n_pages == 0:
        raise ReadError(*_UNREADABLE, detail="no pages")
    if n_pages > MAX_PAGES:  # page trees that reuse their nodes declare millions of pages in a few KB
        raise ReadError(
            "unreadable-file",
            f"PDF 共 {n_pages:,} 页，远超年度报告的篇幅（通常不到 60 页，上限 {MAX_PAGES} 页）：请只发送年度报告本身。",
            f"The PDF has {n_pages:,} pages, far beyond an annual report (usually under 60; the limit is "
            f"{MAX_PAGES}): send the annual report alone.",
            f"{n_pages} pages",
        )
    pages = [pdf[i] for i in range(n_pages)]
    textpages = [page.get_textpage() for page in pages]
    for pageno, tp in enumerate(textpages, start=1):
        if tp.count_chars() > MAX_PAGE_CHARS:
            raise ReadError(
                "unreadable-file",
                f"PDF 第 {pageno} 页有 {tp.count_chars():,} 个字符，远超一页报告的容量：文件已损坏或不是年度报告。",
                f"Page {pageno} of the PDF holds {tp.count_chars():,} characters, far beyond a page of a "
                "report: the file is damaged or not an annual report.",
                f"page {pageno}: {tp.count_chars()} characters",
            )
    texts = [normalise(tp.get_text_bounded()) for tp in textpages]
    # Pages whose glyphs pdfium may drop are read again by pdfminer; its characters replace pdfium's.
    lossy = _may_lose_glyphs(data)
    suspect = [i for i, (page, tp) in enumerate(zip(pages, textpages, strict=True)) if lossy and _drops_glyphs(page, tp)]
    fallback = _Fallback(data, suspect)
    for i in fallback.pages:
        text = fallback.text(i, _origin(pages[i]))
        if text is not None and _visible(text) > _visible(texts[i]):
            texts[i] = text
        else:
            fallback.drop(i)
    visible = sum(_visible(t) for t in texts)
    scanned = [i for i, t in enumerate(texts) if _visible(t) < _MIN_TEXT_PER_PAGE and _has_image(pages[i])]
    ocr = _ocr(data, scanned) if scanned else {}
    if visible < _MIN_TEXT_PER_PAGE * n_pages and not any(ocr.values()):
        raise ReadError(*_NO_TEXT, detail=f"{visible} characters on {n_pages} pages")

    doc = Document(kind="pdf", pages=n_pages, ocr_pages=[i + 1 for i in sorted(ocr)])
    tables = _TableCounter()
    for pageno, (page, textpage, text) in enumerate(zip(pages, textpages, texts, strict=True), start=1):
        if pageno - 1 in ocr:
            _emit(doc, ocr[pageno - 1], pageno, tables)
            continue
        # Pages with the tables' words, and a page after one that ended in a table (the rest of
        # its rows, without any such word, may open the page).
        if _TABLE_MARKERS.search(re.sub(r"\s+", "", text)) or fallback.has_markers(pageno - 1) \
                or tables.open is not None:
            try:
                chars = fallback.chars(pageno - 1)
                items = _layout_page(page, chars if chars is not None else _chars(textpage, _view(page)))
            except Exception:  # an unusual page keeps its plain text rather than failing the file
                items = None
            if items is not None:
                _emit(doc, items, pageno, tables)
                continue
        tables.interrupt()
        lineno = 0
        for raw in text.split("\n"):
            line = raw.strip()
            if line and not _PAGE_NUMBER.match(line):
                lineno += 1
                doc.lines.append(Line(cells=[line], page=pageno, lineno=lineno))
    return doc


def _has_image(page: Any) -> bool:
    """Whether the page draws an image (a scanned page): only such pages are worth OCR."""
    from reports.readers import pdfium as raw

    return any(raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page, i)) == raw.FPDF_PAGEOBJ_IMAGE
               for i in range(min(raw.FPDFPage_CountObjects(page), 2000)))


def _ocr(data: bytes, indices: list[int]) -> dict[int, list[_Item]]:
    """The scanned pages read by OCR, when it is installed (reports.readers.ocr); else none. The
    pages are rendered by pypdfium2's helpers, on a document of their own."""
    from reports.readers.ocr import available, read_pdf_pages

    if available() is not None:
        return {}
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return read_pdf_pages(pdf, indices)
    finally:
        pdf.close()


def _visible(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n")


def normalise(text: str) -> str:
    """pdfium text to plain lines: \\n line ends, no soft hyphens, no spaces between CJK characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return _SPACES_BEYOND_LATIN1.sub(_drop_between_cjk, text)


def _drop_between_cjk(m: re.Match[str]) -> str:
    s = m.string
    return "" if _is_wide(s[m.start() - 1]) and _is_wide(s[m.end()]) else m.group()


# --- pages pdfium cannot decode in full -------------------------------------------------------

# The standard 14 fonts: every reader has their glyphs, so pdfium never loses them.
_STANDARD_FONTS = LazyPattern(
    rb"^(Times|Helvetica|Courier|Symbol|ZapfDingbats|Arial|TimesNewRoman|CourierNew)([-,].*)?$", re.I
)


# Predefined CJK CMaps, the encodings of fonts that are not embedded (Adobe's CJK font packs).
_CJK_CMAP = re.compile(rb"/Encoding\s*/(Uni(GB|CNS|JIS|KS|Hojo)|GBK|GBpc|GBT|GB-|B5|ETen|HKscs|CNS|KSC|90ms|78|83pv|Ext-)")


def _may_lose_glyphs(data: bytes) -> bool:
    """Whether the file may hold a font whose glyphs pdfium drops: a predefined CJK CMap named in
    the file, or font dictionaries hidden in object streams, where the bytes do not tell."""
    return b"/ObjStm" in data or _CJK_CMAP.search(data) is not None


def _unembedded_text(page: Any) -> Iterator[Any]:
    """The page's text objects (in forms too) shown in a font that is not embedded and not a
    standard one."""
    import ctypes

    from reports.readers import pdfium as raw

    fonts: dict[int, bool] = {}  # font address -> not embedded and not standard
    stack: list[tuple[Any, bool, int]] = [(page, False, 0)]
    while stack:
        parent, is_form, depth = stack.pop()
        count = raw.FPDFFormObj_CountObjects(parent) if is_form else raw.FPDFPage_CountObjects(parent)
        get = raw.FPDFFormObj_GetObject if is_form else raw.FPDFPage_GetObject
        for i in range(min(count, 20_000)):
            obj = get(parent, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
                stack.append((obj, True, depth + 1))
            if kind != raw.FPDF_PAGEOBJ_TEXT:
                continue
            font = raw.FPDFTextObj_GetFont(obj)  # its address (None: no font)
            if not font:
                continue
            if font not in fonts:
                fonts[font] = False
                if not raw.FPDFFont_GetIsEmbedded(font):
                    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
                    name = ctypes.create_string_buffer(max(size, 1))
                    raw.FPDFFont_GetBaseFontName(font, name, size)
                    fonts[font] = not _STANDARD_FONTS.match(name.value)
            if fonts[font]:
                yield obj


def _has_unembedded_font(page: Any) -> bool:
    """Whether the page shows text in a font that is not embedded and not a standard one. PDFium
    drops some characters of such fonts from its text layer (a string of one CJK character in
    STSong-Light with the UniGB-UCS2-H encoding, as iText and many Chinese report generators write
    "2024 年 12 月" with 年 and 月 apart), where pdfminer maps every character code through the font's
    CMap."""
    return next(_unembedded_text(page), None) is not None


def _drops_glyphs(page: Any, textpage: Any) -> bool:
    """Whether PDFium dropped characters of such a font on this page: a text object in it whose
    text PDFium gives as nothing (a string of one glyph, as it does)."""
    import ctypes

    from reports.readers import pdfium as raw

    for obj in _unembedded_text(page):
        size = raw.FPDFTextObj_GetText(obj, textpage, None, 0)
        buf = (ctypes.c_ushort * max(size, 1))()
        raw.FPDFTextObj_GetText(obj, textpage, buf, size)
        if not bytes(buf).decode("utf-16-le", "replace").strip("\x00 \t\r\n"):
            return True
    return False


def _origin(page: Any) -> tuple[float, float]:
    """The top left corner of the page as seen, in the coordinates of _view."""
    a, b, c, d = _view(page)[:4]
    x0, y0, x1, y1 = page.get_mediabox()
    corners = [(x, y) for x in (x0, x1) for y in (y0, y1)]
    return min(a * x + c * y for x, y in corners), min(b * x + d * y for x, y in corners)


class _Fallback:
    """pdfminer's reading (through pdfplumber) of the pages pdfium may read incompletely."""

    def __init__(self, data: bytes, pages: list[int]) -> None:
        self.pages = pages
        self._data = data
        self._pdf: Any = None
        self._text: dict[int, str | None] = {}
        self._chars: dict[int, list[_Char]] = {}

    def _open(self) -> Any:
        if self._pdf is None:
            import io

            import pdfplumber

            self._pdf = pdfplumber.open(io.BytesIO(self._data))
        return self._pdf

    def text(self, index: int, origin: tuple[float, float]) -> str | None:
        """The page's text from its characters, lines as _group_lines makes them; None on failure.
        pdfminer's boxes are as seen from the page's top left corner; origin moves them to where
        pdfium's view of the page (_view) has that corner, so that they meet its rulings."""
        if index not in self._text:
            try:
                page = self._open().pages[index]
                dx, dy = origin
                chars = [
                    _Char(c["text"], dx + float(c["x0"]), dy + float(c["top"]), dx + float(c["x1"]), dy + float(c["bottom"]))
                    for c in page.chars
                    if c["text"].strip() and c["text"] not in "\xad\ufeff\u200b"
                ]
                self._chars[index] = chars
                self._text[index] = normalise("\n".join(_join(line) for line in _group_lines(chars)))
            except Exception:  # pdfminer fails on some files pdfium reads: keep pdfium's text
                self._text[index] = None
        return self._text[index]

    def has_markers(self, index: int) -> bool:
        """Table vocabulary in the characters in the order they were drawn (a merged label cell
        drawn as one run is split over lines by position)."""
        chars = self._chars.get(index)
        return bool(chars) and bool(_TABLE_MARKERS.search("".join(c.ch for c in chars)))

    def drop(self, index: int) -> None:
        self._chars.pop(index, None)

    def chars(self, index: int) -> list[_Char] | None:
        return self._chars.get(index)


# --- characters and rulings -------------------------------------------------------------------


@dataclass(slots=True)
class _Char:
    ch: str
    x0: float
    top: float  # y grows downwards on the page as seen (after /Rotate)
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


# User space to the page as seen (y down), for each /Rotate: x' = a*x + c*y, y' = b*x + d*y.
_VIEW: dict[int, tuple[float, ...]] = {
    0: (1.0, 0.0, 0.0, -1.0, 0.0, 0.0),
    90: (0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
    180: (-1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    270: (0.0, -1.0, -1.0, 0.0, 0.0, 0.0),
}


def _view(page: Any) -> tuple[float, ...]:
    return _VIEW.get(page.get_rotation() % 360, _VIEW[0])


def _chars(textpage: Any, view: tuple[float, ...]) -> list[_Char]:
    from reports.readers import pdfium as raw

    a, b, c, d = view[:4]
    rect = raw.FS_RECTF()
    out: list[_Char] = []
    n = textpage.count_chars()
    # The page's text in one call: one UTF-16 unit per character unless some lie beyond the BMP.
    text = textpage.get_text_range()
    codes = [ord(ch) for ch in text] if len(text) == n else [raw.FPDFText_GetUnicode(textpage, i) for i in range(n)]
    generated, box = raw.FPDFText_IsGenerated, raw.FPDFText_GetLooseCharBox
    for i, code in enumerate(codes):
        if code <= 32 or code in (0xA0, 0x3000, 0xAD, 0xFFFE, 0xFEFF, 0x200B) or generated(textpage, i):
            continue
        if not box(textpage, i, rect):
            continue
        x0, y0 = a * rect.left + c * rect.top, b * rect.left + d * rect.top
        x1, y1 = a * rect.right + c * rect.bottom, b * rect.right + d * rect.bottom
        out.append(_Char(chr(code), min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return out


@dataclass
class _Rulings:
    horizontal: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y0, y1)

    def add(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Add a straight segment (page coordinates, y down); diagonals and dots are ignored."""
        if abs(y1 - y0) <= 1.0 and abs(x1 - x0) > _SNAP:
            self.horizontal.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) <= 1.0 and abs(y1 - y0) > _SNAP:
            self.vertical.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _rulings(page: Any, view: tuple[float, ...]) -> _Rulings:
    """The page's straight lines: stroked segments, thin filled rectangles and rectangle edges."""
    from reports.readers import pdfium as raw

    rulings = _Rulings()
    _collect_paths(raw, page, None, view, rulings, 0)
    return rulings


def _collect_paths(raw: Any, page: Any, form: Any, outer: tuple[float, ...], rulings: _Rulings, depth: int) -> None:
    import ctypes

    if form is None:
        count, get = raw.FPDFPage_CountObjects(page), raw.FPDFPage_GetObject
        parent = page
    else:
        count, get = raw.FPDFFormObj_CountObjects(form), raw.FPDFFormObj_GetObject
        parent = form
    matrix = raw.FS_MATRIX()
    fx, fy = ctypes.c_float(), ctypes.c_float()
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    for i in range(count):
        obj = get(parent, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
            raw.FPDFPageObj_GetMatrix(obj, matrix)
            inner = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            _collect_paths(raw, page, obj, inner, rulings, depth + 1)
            continue
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        if form is None:
            # Fast path: a thin object (a stroked line or a filled hairline rectangle) is one ruling.
            raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            w, h = right.value - left.value, top.value - bottom.value
            if (w <= 3.0 < h) or (h <= 3.0 < w):
                cx, cy = (left.value + right.value) / 2, (bottom.value + top.value) / 2
                if w <= 3.0:
                    ends = ((cx, bottom.value), (cx, top.value))
                else:
                    ends = ((left.value, cy), (right.value, cy))
                (x0, y0), (x1, y1) = ((outer[0] * x + outer[2] * y, outer[1] * x + outer[3] * y) for x, y in ends)
                rulings.add(x0, y0, x1, y1)
                continue
            if w > 2000 or h > 2000:
                continue
        raw.FPDFPageObj_GetMatrix(obj, matrix)
        m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
        n = raw.FPDFPath_CountSegments(obj)
        if n > 2000:
            continue
        start: tuple[float, float] | None = None
        prev: tuple[float, float] | None = None
        for j in range(n):
            seg = raw.FPDFPath_GetPathSegment(obj, j)
            raw.FPDFPathSegment_GetPoint(seg, fx, fy)
            x, y = fx.value, fy.value
            pt = (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
            kind = raw.FPDFPathSegment_GetType(seg)
            if kind == raw.FPDF_SEGMENT_MOVETO or prev is None:
                start = pt
            elif kind == raw.FPDF_SEGMENT_LINETO:
                rulings.add(prev[0], prev[1], pt[0], pt[1])
            if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                rulings.add(pt[0], pt[1], start[0], start[1])
            prev = pt


def _compose(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix m followed by n (PDF [a b c d e f] matrices)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _merge(segments: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Snap segments on (almost) the same line together and join those that touch or overlap."""
    out: list[tuple[float, float, float]] = []
    segments = sorted(segments)
    groups: list[list[tuple[float, float, float]]] = []
    for seg in segments:
        if groups and seg[0] - groups[-1][0][0] <= _SNAP:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    for group in groups:
        pos = sum(s[0] for s in group) / len(group)
        spans = sorted((s[1], s[2]) for s in group)
        lo, hi = spans[0]
        for a, b in spans[1:]:
            if a <= hi + _SNAP:
                hi = max(hi, b)
            else:
                out.append((pos, lo, hi))
                lo, hi = a, b
        out.append((pos, lo, hi))
    return out


# --- ruled tables -------------------------------------------------------------------------------


@dataclass
class _Grid:
    xs: list[float]
    ys: list[float]
    horizontal: list[tuple[float, float, float]]
    vertical: list[tuple[float, float, float]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, c: _Char) -> bool:
        return self.xs[0] <= c.cx <= self.xs[-1] and self.ys[0] <= c.cy <= self.ys[-1]


def _find_grids(rulings: _Rulings) -> list[_Grid]:
    """Connected sets of horizontal and vertical rulings that make at least two columns."""
    hs, vs = _merge(rulings.horizontal), _merge(rulings.vertical)
    if len(hs) < 2 or len(vs) < 2:
        return []
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = _SNAP
    for i, (y, hx0, hx1) in enumerate(hs):
        for j, (x, vy0, vy1) in enumerate(vs):
            if hx0 - tol <= x <= hx1 + tol and vy0 - tol <= y <= vy1 + tol:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for gh, gv in groups.values():
        if len(gh) < 2 or len(gv) < 2:
            continue
        ys = _cluster(h[0] for h in gh)
        xs = _cluster(v[0] for v in gv)
        # One column of rulings is a frame or underlining around text, not a table.
        if len(xs) >= 3 and len(ys) >= 2:
            grids.append(_Grid(xs, ys, gh, gv))
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _cluster(values: Iterable[float]) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= _SNAP:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _covered(segments: list[tuple[float, float, float]], pos: float, at: float) -> bool:
    """Whether a ruling lies on line `pos` across the point `at`."""
    return any(abs(s[0] - pos) <= _SNAP and s[1] - _SNAP <= at <= s[2] + _SNAP for s in segments)


def _grid_rows(grid: _Grid, chars: list[_Char], cell_text: Callable[[list[_Char]], str]) -> list[tuple[float, list[str]]]:
    """The rows of a ruled table: (top, cells), one cell per table cell that starts in the row."""
    xs, ys = grid.xs, grid.ys
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    root = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            root[max(a, b)] = min(a, b)  # the first slot in reading order represents the cell

    for r in range(n_rows):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols):
            xmid = (xs[c] + xs[c + 1]) / 2
            if c + 1 < n_cols and not _covered(grid.vertical, xs[c + 1], ymid):
                union(r * n_cols + c, r * n_cols + c + 1)
            if r + 1 < n_rows and not _covered(grid.horizontal, ys[r + 1], xmid):
                union(r * n_cols + c, (r + 1) * n_cols + c)
    cell_chars: dict[int, list[_Char]] = {}
    for ch in chars:
        r = min(max(bisect.bisect_right(ys, ch.cy) - 1, 0), n_rows - 1)
        c = min(max(bisect.bisect_right(xs, ch.cx) - 1, 0), n_cols - 1)
        cell_chars.setdefault(find(r * n_cols + c), []).append(ch)
    rows: list[tuple[float, list[str]]] = []
    for r in range(n_rows):
        cells = [
            cell_text(cell_chars.get(i, [])) for i in range(r * n_cols, (r + 1) * n_cols) if find(i) == i
        ]
        if cells and (any(cells) or ys[r + 1] - ys[r] >= 8.0):
            rows.append((ys[r], cells))
    return rows


def _cell_text(chars: list[_Char]) -> str:
    """A cell's text: its lines top to bottom, joined without a break (a wrapped label or number)."""
    if not chars:
        return ""
    parts: list[str] = []
    for line in _group_lines(chars):
        text = _join(line)
        if parts and parts[-1][-1:].isascii() and parts[-1][-1:].isalpha() and text[:1].isascii() and text[:1].isalpha():
            parts.append(" ")
        parts.append(text)
    return "".join(parts)


# --- lines from character positions ------------------------------------------------------------


def _group_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters into lines, top to bottom, each sorted left to right: a character whose centre
    lies within the vertical extent of a line's first (highest-centred) character joins it."""
    lines: list[list[_Char]] = []
    bottom = 0.0
    for ch in sorted(chars, key=lambda c: (c.cy, c.x0)):
        if lines and ch.cy <= bottom:
            lines[-1].append(ch)
        else:
            lines.append([ch])
            bottom = ch.bottom
    for line in lines:
        line.sort(key=lambda c: c.x0)
    return lines


def _is_wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _join(line: list[_Char]) -> str:
    """One line's characters as text: a space where a gap separates two characters not both CJK."""
    em = max(c.bottom - c.top for c in line) or 1.0
    out = [line[0].ch]
    for prev, ch in zip(line, line[1:], strict=False):
        if ch.x0 - prev.x1 > 0.1 * em and not (_is_wide(prev.ch) and _is_wide(ch.ch)):
            out.append(" ")
        out.append(ch.ch)
    return "".join(out)


def _segments(line: list[_Char]) -> list[tuple[float, float, str]]:
    """A line cut at wide gaps (cells of a table without rulings): (x0, x1, text). A piece made only
    of numbers with spaces between ("72 64": narrow columns) is cut at the spaces too."""
    em = max(c.bottom - c.top for c in line) or 1.0
    out: list[tuple[float, float, str]] = []
    start = 0
    for i in range(1, len(line) + 1):
        if i == len(line) or line[i].x0 - line[i - 1].x1 > 1.0 * em:
            part = line[start:i]
            words = _split_at(part, 0.1 * em)
            if len(words) > 1 and all(_is_number(w[2]) for w in words):
                out.extend(words)
            else:
                out.append((part[0].x0, part[-1].x1, _join(part)))
            start = i
    return out


def _split_at(chars: list[_Char], gap: float) -> list[tuple[float, float, str]]:
    out: list[tuple[float, float, str]] = []
    start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or chars[i].x0 - chars[i - 1].x1 > gap:
            out.append((chars[start].x0, chars[i - 1].x1, "".join(c.ch for c in chars[start:i])))
            start = i
    return out


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text)) or text in _BLANK_MARKS


def _text_items(chars: list[_Char]) -> list[tuple[float, list[str], bool]]:
    """Lines outside ruled tables: (top, cells, is_table_row). Rows ending in numbers set apart by
    wide gaps get their numbers placed in columns found from the neighbouring rows."""
    lines = [line for line in _group_lines(chars) if not _PAGE_NUMBER.match(_join(line))]
    segmented = [_segments(line) for line in lines]
    tops = [min(c.top for c in line) for line in lines]
    # Index of the first of the trailing numeric segments, or None for a line that is not a row.
    starts: list[int | None] = []
    for segs in segmented:
        k = len(segs)
        while k > 0 and _is_number(segs[k - 1][2]):
            k -= 1
        numeric = len(segs) - k
        starts.append(k if numeric >= 2 or (numeric == 1 and k >= 1) else None)
    items: list[tuple[float, list[str], bool]] = []
    i = 0
    while i < len(lines):
        if starts[i] is None:
            segs = segmented[i]
            items.append((tops[i], [s[2] for s in segs], False))
            i += 1
            continue
        # A block: numeric rows, with up to two label-only lines between them.
        j, last = i, i
        while j + 1 < len(lines) and (starts[j + 1] is not None or (j + 1 - last <= 2 and _next_row(starts, j + 1, last + 3))):
            j += 1
            if starts[j] is not None:
                last = j
        block = [b for b in range(i, last + 1)]
        columns = _columns([segmented[b][starts[b]:] for b in block if starts[b] is not None])
        for b in block:
            k = starts[b]
            if k is None:
                items.append((tops[b], [s[2] for s in segmented[b]], True))
                continue
            labels = [s[2] for s in segmented[b][:k]]
            numbers = segmented[b][k:]
            placed = _place(numbers, columns)
            items.append((tops[b], labels + placed, True))
        i = last + 1
    return items


def _next_row(starts: list[int | None], frm: int, to: int) -> bool:
    return any(starts[k] is not None for k in range(frm, min(to, len(starts))))


def _columns(rows: list[list[tuple[float, float, str]]]) -> list[tuple[float, float]]:
    """Columns of numbers: x-extents of numbers that overlap belong to one column (whatever the
    alignment, numbers of one column overlap horizontally; those of different columns do not)."""
    spans = sorted((s[0], s[1]) for row in rows for s in row)
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _place(numbers: list[tuple[float, float, str]], columns: list[tuple[float, float]]) -> list[str]:
    """The numbers of one row in their columns, blanks as empty strings from the first number's
    column on; the row as it is when two numbers fall in one column."""
    slots: dict[int, str] = {}
    for x0, x1, text in numbers:
        hits = [i for i, (a, b) in enumerate(columns) if x0 <= b and a <= x1]
        if len(hits) != 1 or hits[0] in slots:
            return [n[2] for n in numbers]
        slots[hits[0]] = text
    first = min(slots)
    return [slots.get(i, "") for i in range(first, len(columns))]


# --- one page -----------------------------------------------------------------------------------


@dataclass
class _Item:
    top: float
    cells: list[str]
    table: _Grid | None = None  # the ruled table a row comes from


def _layout_page(page: Any, chars: list[_Char]) -> list[_Item]:
    return layout(chars, _rulings(page, _view(page)))


def layout(chars: list[_Char], rulings: _Rulings, cell_text: Callable[[list[_Char]], str] = _cell_text) -> list[_Item]:
    """A page's lines from its characters and rulings (also the OCR reader's, from an image)."""
    grids = _find_grids(rulings)
    items: list[_Item] = []
    rest: list[_Char] = chars
    for grid in grids:
        inside = [c for c in rest if grid.contains(c)]
        if not inside:
            continue
        rest = [c for c in rest if not grid.contains(c)]
        items.extend(_Item(top, cells, table=grid) for top, cells in _grid_rows(grid, inside, cell_text))
    items.extend(_Item(top, cells) for top, cells, _row in _text_items(rest))
    items.sort(key=lambda it: it.top)
    return items


class _TableCounter:
    """Table indices across pages: a table opening a page continues the previous page's last table
    when nothing but page furniture lies between them and their outer edges agree."""

    def __init__(self) -> None:
        self.count = 0
        self.open: _Grid | None = None  # the table that ended the previous page, if nothing followed

    def interrupt(self) -> None:
        self.open = None

    def index(self, grid: _Grid, first_on_page: bool) -> int:
        if not (first_on_page and self.open is not None and _same_columns(self.open, grid)):
            self.count += 1
        return self.count - 1


def _same_columns(a: _Grid, b: _Grid) -> bool:
    # The outer edges only: a continued table 2 changes its inner columns from one part to the next.
    return abs(a.xs[0] - b.xs[0]) <= 3.0 and abs(a.xs[-1] - b.xs[-1]) <= 3.0


def _emit(doc: Document, items: list[_Item], pageno: int, tables: _TableCounter) -> None:
    seen: dict[int, int] = {}
    for lineno, item in enumerate(items, start=1):
        table: int | None = None
        if item.table is not None:
            key = id(item.table)
            if key not in seen:
                seen[key] = tables.index(item.table, first_on_page=lineno == 1)
            table = seen[key]
        doc.lines.append(Line(cells=item.cells, page=pageno, lineno=lineno, table=table))
    tables.open = items[-1].table if items else None
