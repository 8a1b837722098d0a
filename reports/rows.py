"""Table rows out of document lines: a label, and the value cells that follow it.

Works the same on every reader's output: structured table rows (PDF grid, DOCX, HTML: one cell per
grid column, blanks kept) and text lines (tab- or space-separated). Label fragments on lines with no
numbers (a label wrapped over lines, a merged cell's label in the middle of the table) are carried
to the next row that has numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.document import Line
from reports.lazyre import LazyPattern
from reports.text import Token, is_page_number, norm, parse_token, split_trailing_numbers, squash

_GLUED_RE = LazyPattern(r"^(.*[\u4e00-\u9fff)”\"])(\d+(?:\.\d+)?)$")
_HEADER_RE = LazyPattern(r"勾稽|申请人情况|自然人|商业企业|信息内容|第二十条|本年制发|处理决定数量|收费金额|结果维持|审结")


@dataclass
class RawRow:
    label: str  # this line's own label text, squashed (no spaces)
    before: str  # label fragments carried from the lines above since the last row with numbers
    slots: list[Token]  # value cells in order; blanks kept where their position is known
    structured: bool  # True for a real table row (grid position of blanks is reliable)
    page: int | None
    line: int | None
    index: int  # index of the line in the document
    raw: str
    after: str = ""  # label fragments on the lines right after (filled by collect_rows)
    empty: bool = False  # a table row with a label and only blank cells (e.g. an unfilled template)
    cells: list[str] = field(default_factory=list)  # the line's cells as read (for column alignment)

    before_parts: list[str] = field(default_factory=list)

    @property
    def full_label(self) -> str:
        return self.before + self.label

    @property
    def long_label(self) -> str:
        """The label without short fragments (pieces of a merged group label cut across lines)."""
        return "".join(p for p in self.before_parts if len(p) > 4) + self.label

    @property
    def values(self) -> list[Token]:
        return [t for t in self.slots if t.kind != "blank"]


def split_line(line: Line) -> tuple[str, list[Token]]:
    """A line's label (squashed) and its value slots (text found among the values is a "text" slot)."""
    label_parts: list[str] = []
    slots: list[Token] = []
    for cell in line.own_cells:
        if line.table is None and len(cell.split()) > 1:
            # Text lines: whitespace separates cells ("447 7 0 0 0 0 454" is seven numbers).
            text, nums = split_trailing_numbers(cell)
            if nums and not text:
                slots.extend(parse_token(n) for n in nums)
                continue
        tok = parse_token(cell)
        if tok.kind in ("number", "marker"):
            slots.append(tok)
            continue
        if tok.kind == "blank":
            if slots or label_parts or line.table is not None:
                slots.append(tok)
            continue
        text, nums = split_trailing_numbers(cell)
        if slots and any(t.kind != "blank" for t in slots):
            # Text after numbers: either a label fragment of a merged cell or a non-number in a cell.
            if nums or len(squash(text)) > 6:
                label_parts.append(squash(text))
                slots.extend(parse_token(n) for n in nums)
            else:
                slots.append(Token(cell, None, "text"))
            continue
        if not nums and line.table is None:
            m = _GLUED_RE.match(squash(text))
            if m:  # digits glued to the label, as text copied from a web page gives it
                text, nums = m.group(1), [m.group(2)]
        label_parts.append(squash(text))
        slots = [parse_token(n) for n in nums]
    return "".join(label_parts), slots


def collect_rows(lines: list[Line], start: int, end: int) -> list[RawRow]:
    """Rows with at least one value between line indexes start and end (exclusive)."""
    rows: list[RawRow] = []
    pending: list[str] = []
    for i in range(start, end):
        line = lines[i]
        text = line.text
        if (not text.strip() and line.table is None) or is_page_number(text):
            continue
        label, slots = split_line(line)
        has_values = any(t.kind in ("number", "marker") for t in slots)
        grid_row = line.table is not None or len(line.cells) >= 4  # tab-separated text keeps its grid
        if not has_values and grid_row and slots and label is not None and not _HEADER_RE.search(label) \
                and (line.table is not None or label):
            # A table row whose cells are all blank: a row all the same, read as blanks.
            rows.append(RawRow(label=label, before="", slots=slots, structured=line.table is not None, page=line.page,
                               line=line.lineno, index=i, raw=norm(" | ".join(c for c in line.cells if c.strip())),
                               empty=True, cells=list(line.cells)))
            continue
        if not has_values:
            if label:
                if rows and rows[-1].index == _prev_content(lines, i, start):
                    rows[-1].after += label
                pending.append(label)
            continue
        structured = line.table is not None
        if not structured:
            while slots and slots[-1].kind == "blank":
                slots.pop()
        rows.append(
            RawRow(
                label=label,
                before="".join(pending),
                before_parts=list(pending),
                slots=slots,
                structured=structured,
                page=line.page,
                line=line.lineno,
                index=i,
                raw=norm(" | ".join(c for c in line.cells if c.strip())),
                cells=list(line.cells),
            )
        )
        pending = []
    return rows


def _prev_content(lines: list[Line], i: int, start: int) -> int:
    j = i - 1
    while j >= start and not lines[j].text.strip():
        j -= 1
    return j


def column_start(lines: list[Line], start: int, end: int, pattern: re.Pattern[str]) -> int | None:
    """In tab-separated text, the cell index where the value columns start, from the header line
    whose cell matches `pattern` (e.g. 自然人 for table 3). None when the header is not split in cells."""
    for i in range(start, end):
        cells = lines[i].cells
        if lines[i].table is not None or len(cells) < 2:
            continue
        for j, c in enumerate(cells):
            if pattern.search(squash(c)):
                return j
    return None
