"""The document: what a reader makes of a file, before any parsing of the report format.

A document is a flat sequence of lines. A line is a list of cells: a paragraph or a line of text
is one cell; a table row is one cell per grid column, the positions a spanning cell covers marked
(`Line.spanned`) (text files: one cell per tab-separated field).
Every line remembers where it came from (page and line number) so findings can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    cells: list[str]
    page: int | None = None  # 1-based page number (PDF), None elsewhere
    lineno: int | None = None  # 1-based line number within the file (text) or the page (PDF)
    table: int | None = None  # index of the source table for structured tables (PDF grid, DOCX, HTML)
    # Grid positions covered by a cell that starts to their left (colspan, gridSpan): '' in `cells`
    # to keep the columns aligned, but no cell of their own. Word and portal tables often span a
    # value cell over two grid columns where rows disagree on the grid.
    spanned: frozenset[int] = frozenset()

    @property
    def text(self) -> str:
        return " ".join(c for c in self.cells if c)

    @property
    def own_cells(self) -> list[str]:
        """The row's cells, one per table cell: a cell spanning several columns counts once."""
        if not self.spanned:
            return self.cells
        return [c for i, c in enumerate(self.cells) if i not in self.spanned]


@dataclass
class Document:
    kind: str  # "pdf", "docx", "text", "html"
    lines: list[Line] = field(default_factory=list)
    pages: int | None = None
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages read by OCR (reports.readers.ocr)
    # A web page's <title>: portals often print the report's title there alone; the parser falls back
    # on it for what the document's own title leaves out.
    head_title: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class ReadError(Exception):
    """A file that cannot be read as a report. `code` is the finding code to report."""

    def __init__(self, code: str, message_zh: str, message_en: str, detail: str | None = None):
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.detail = detail
