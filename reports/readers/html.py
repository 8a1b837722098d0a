"""HTML reader: a report page as published on a government portal.

Narrative: every block element (<p>, <div>, <h1>…<h6>, <li>, …) and every <br> ends a line; a line
is one cell. Tables: one line per <tr> with one cell per grid column; a cell spanning several
columns or rows (colspan/rowspan) gives its text once, in its first row and first column, and ''
in the other positions, as the DOCX reader does; the positions it covers to the right of its first
column are marked (`Line.spanned`), so that a value spread over two grid columns is one cell.

Layout tables are read as flow, not as data: a table with a one-column grid, or one that holds
another table, is a page frame (old portals wrap the whole article in one), so its cells'
content is read as paragraphs and its inner tables as tables.

The page's <title> is kept apart (`Document.head_title`): the parser falls back on it for the agency
and year. Noise is skipped: <script>, <style>, <head>, navigation, menus, breadcrumbs, footers, share bars
and elements hidden with display:none. The charset comes from a BOM or the page's declaration
(gb2312/gbk are read as gb18030, their superset); without one, or when it is wrong, the encoding
is detected as for text files.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from reports.document import Document, Line, ReadError
from reports.readers.limits import MAX_CELLS, MAX_HTML_TAGS, MAX_TABLE_WIDTH, Budget, table_too_wide, too_big
from reports.readers.text import decode, join_cell_lines

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "csgb2312", "chinese", "euc-cn", "936"}

_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "head", "title", "nav", "iframe", "object", "embed",
    "svg", "select", "option", "button", "textarea", "map", "audio", "video", "canvas",
})
_BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
    "article", "header", "footer", "aside", "main", "blockquote", "pre", "center", "form", "fieldset",
    "address", "figure", "figcaption", "hr", "caption", "body", "html",
})
_NOISE_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|crumbs?|footer|share|sidebar|toolbar|topbar)(?:$|[\s_\d-])",
    re.I,
)
_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = "[ \\t\\r\\n\\f\\v\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]"
_CJK = "[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
# A source line break between two CJK characters is no space at all (the page wraps its source).
_CJK_BREAK_RE = re.compile(f"(?<={_CJK})[ \\t]*[\\r\\n]{_SPACE}*(?={_CJK})")
_SPACE_RE = re.compile(f"{_SPACE}+")
MAX_SPAN = MAX_TABLE_WIDTH  # colspan; a rowspan ends with the table's rows
MAX_TITLE = 200  # characters of the page's <title> read


def decode_html(data: bytes) -> str:
    """The page as text: BOM, then the declared charset, then detection."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data)
    m = _CHARSET_RE.search(data[:8192])
    if m is None:
        m = re.search(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", data[:200])
    if m is not None:
        charset = m.group(1).decode("ascii").lower()
        if charset in _GB_ALIASES:
            charset = "gb18030"
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: detect instead
    return decode(data)


def _norm(text: str) -> str:
    return _SPACE_RE.sub(" ", _CJK_BREAK_RE.sub("", text)).strip()


def _is_noise(el: etree._Element) -> bool:
    if el.tag in _SKIP_TAGS:
        return True
    for attr in ("class", "id", "role"):
        value = el.get(attr)
        if value and _NOISE_RE.search(value):
            return True
    style = el.get("style")
    return bool(style and _HIDDEN_RE.search(style)) or el.get("hidden") is not None


def _span(el: etree._Element, name: str) -> int:
    """colspan/rowspan as browsers read it: leading digits ("3px" is 3), 1 when there are none; capped
    (at most six digits are read, so a span of a million digits costs nothing)."""
    digits = re.match(r"\d{0,6}", (el.get(name) or "1").strip()).group(0)  # type: ignore[union-attr]
    n = int(digits) if digits else 1
    return min(MAX_SPAN, n) if name == "colspan" else n


def _table_rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if c.tag == "tr")
    return rows


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


class _Flow:
    """Walks the tree, collecting inline text into lines and tables into grid rows."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.tables = 0
        self.buf: list[str] = []
        self.budget = Budget()

    def add(self, cells: list[str], table: int | None = None, spanned: set[int] | None = None) -> None:
        line = Line(cells=cells, lineno=len(self.lines) + 1, table=table, spanned=frozenset(spanned or ()))
        self.budget.add(line)
        self.lines.append(line)

    def flush(self) -> None:
        text = _norm("".join(self.buf))
        self.buf = []
        if text:
            self.add([text])

    def walk(self, el: etree._Element) -> None:
        if not isinstance(el.tag, str) or _is_noise(el):
            return
        if el.tag == "table":
            self.flush()
            self.table(el)
            return
        if el.tag == "br":
            self.flush()
            return
        block = el.tag in _BLOCK_TAGS or el.tag in ("td", "th", "tr")
        if block:
            self.flush()
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if block:
            self.flush()

    def table(self, table: etree._Element) -> None:
        rows = _table_rows(table)
        cells_by_row = [_row_cells(tr) for tr in rows]
        width = max((sum(max(1, _span(c, "colspan")) for c in cells) for cells in cells_by_row), default=0)
        if width > MAX_TABLE_WIDTH:
            raise table_too_wide(width)
        nested = any(c.find(".//table") is not None for cells in cells_by_row for c in cells)
        if width <= 1 or nested:
            for tr in rows:  # a page frame: read its content as flow
                for cell in _row_cells(tr):
                    self.walk(cell)
            self.flush()
            return
        if self.budget.cells + width * len(rows) > MAX_CELLS:  # refused before it is padded
            raise too_big("单元格", "cells", self.budget.cells + width * len(rows), MAX_CELLS)
        for caption in table.findall("caption"):
            self.walk(caption)
        index = self.tables
        self.tables += 1
        # busy[c]: the first row whose column c is free again (a rowspan from above holds it until then).
        busy = [0] * width
        grid: list[list[str]] = []
        spanned: list[set[int]] = [set() for _ in cells_by_row]  # per row: positions a cell covers from its left
        for r, cells in enumerate(cells_by_row):
            row: list[str] = []
            c = 0
            for cell in cells:
                while c < len(busy) and busy[c] > r:
                    c += 1
                colspan = max(1, _span(cell, "colspan"))
                if c + colspan > MAX_TABLE_WIDTH:  # pushed right by rowspans from above
                    raise table_too_wide(c + colspan)
                busy.extend([0] * (c + colspan - len(busy)))
                rowspan = _span(cell, "rowspan") or (len(rows) - r)  # rowspan=0: to the end
                rowspan = min(rowspan, len(rows) - r)
                for dc in range(colspan):
                    busy[c + dc] = max(busy[c + dc], r + rowspan)
                if colspan > 1:
                    for rr in range(r, r + rowspan):
                        spanned[rr].update(range(c + 1, c + colspan))
                while len(row) < c:
                    row.append("")
                row.append(self.cell_text(cell))
                row.extend([""] * (colspan - 1))
                c += colspan
            grid.append(row)
        width = max([width, *(len(r) for r in grid)])
        for row, covered in zip(grid, spanned, strict=True):
            self.add(row + [""] * (width - len(row)), table=index, spanned=covered)

    @staticmethod
    def cell_text(cell: etree._Element) -> str:
        inner = _Flow()
        inner.walk(cell)
        inner.flush()
        return join_cell_lines([line.cells[0] for line in inner.lines])


def read_html(data: bytes) -> Document:
    """Read an HTML page into a Document (kind "html"); ReadError when it cannot be read."""
    tags = data.count(b"<")
    if tags > MAX_HTML_TAGS:  # refused before lxml builds a tree of millions of elements
        raise too_big("标签", "tags", tags, MAX_HTML_TAGS)
    text = _XML_DECL_RE.sub("", decode_html(data), count=1)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(
            "unreadable-file",
            "网页文件为空或无法解析：请发送报告的 PDF、Word 或完整网页。",
            "The web page is empty or cannot be parsed: send the report as PDF, Word or a complete HTML page.",
            str(exc),
        ) from exc
    flow = _Flow()
    body = root.find("body")
    flow.walk(body if body is not None else root)
    flow.flush()
    head_title = root.find("head/title")
    title = _norm(head_title.text_content()[:MAX_TITLE]) if head_title is not None else ""
    return Document(kind="html", lines=flow.lines, head_title=title or None)
