"""Bounds on what a reader may build from one file, set far above any real annual report.

A real report reads into a few hundred lines and cells (the samples: ≤ 350 lines, ≤ 450 cells,
≤ 7,000 characters, tables ≤ 12 columns wide). A hostile file of a few kilobytes can declare
tables of millions of padded cells or texts of millions of lines; the parser's work grows with
them. Beyond these bounds the file is refused (`unreadable-file`), never read halfway.
"""

from __future__ import annotations

from reports.document import Document, Line, ReadError

MAX_TABLE_WIDTH = 64  # grid columns of one table row (Word allows 63)
MAX_LINES = 8_000
MAX_CELLS = 40_000  # cells over all lines, padding included
MAX_WORDS = 40_000  # whitespace-separated pieces over all cells (each one a possible number)
MAX_CHARS = 400_000  # a dense 100-page PDF: about 300,000
MAX_LINE_CHARS = 20_000  # the longest line of the samples: 6,011 (a whole section on one line)
# Markup parsed into a tree before any line is made (a real report: ≤ 20,000 HTML tags, ≤ 200,000
# elements in a Word document of 60 pages). lxml takes about 100 bytes and a microsecond per element.
MAX_HTML_TAGS = 300_000
MAX_XML_TAGS = 1_000_000


def table_too_wide(width: int) -> ReadError:
    return ReadError(
        "unreadable-file",
        f"文件中的表格宽达 {width} 列，远超年度报告表格的规模（不超过 {MAX_TABLE_WIDTH} 列）：文件已损坏或不是年度报告。",
        f"A table in the file is {width} columns wide, far beyond a report's tables "
        f"(at most {MAX_TABLE_WIDTH}): the file is damaged or not an annual report.",
        f"table width {width} > {MAX_TABLE_WIDTH}",
    )


def too_big(what_zh: str, what_en: str, n: int, limit: int) -> ReadError:
    return ReadError(
        "unreadable-file",
        f"文件内容过多（{what_zh}超过 {limit:,} 个），远超任何年度报告：文件已损坏或不是年度报告。",
        f"The file holds too much ({what_en}: more than {limit:,}), far beyond any annual report: "
        "it is damaged or not an annual report.",
        f"{what_en} {n} > {limit}",
    )


class Budget:
    """Counts what a reader adds, line by line, and stops it as soon as a bound is passed."""

    def __init__(self) -> None:
        self.lines = self.cells = self.words = self.chars = 0

    def add(self, line: Line) -> None:
        if len(line.cells) > MAX_TABLE_WIDTH:
            raise table_too_wide(len(line.cells))
        self.lines += 1
        self.cells += len(line.cells)
        length = 0
        for cell in line.cells:
            if cell:
                length += len(cell)
                self.words += cell.count(" ") + 1
        if length > MAX_LINE_CHARS:
            raise too_big("单行字符", "characters in one line", length, MAX_LINE_CHARS)
        self.chars += length
        if self.lines > MAX_LINES:
            raise too_big("行数", "lines", self.lines, MAX_LINES)
        if self.cells > MAX_CELLS:
            raise too_big("单元格", "cells", self.cells, MAX_CELLS)
        if self.words > MAX_WORDS:
            raise too_big("词", "words", self.words, MAX_WORDS)
        if self.chars > MAX_CHARS:
            raise too_big("字符", "characters", self.chars, MAX_CHARS)


def check_document(doc: Document) -> Document:
    """The document itself when it is within every bound, else ReadError."""
    budget = Budget()
    for line in doc.lines:
        budget.add(line)
    return doc


def check_text_bytes(data: bytes) -> None:
    """Before a text file is decoded: refuse millions of lines or characters outright."""
    newlines = data.count(b"\n") or data.count(b"\r")
    if newlines > MAX_LINES:
        raise too_big("行数", "lines", newlines, MAX_LINES)
    if len(data) > 4 * MAX_CHARS:  # over MAX_CHARS characters in any encoding read here
        raise too_big("字符", "characters", len(data) // 4, MAX_CHARS)
