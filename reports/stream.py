"""One stream of tokens out of any document: label text, numbers and blanks in reading order.

Lines, tabs, pipes (Markdown tables), CRLF, one cell per line and "everything on one line" all come
down to the same stream, so the table readers (reports.anchored) need not care which layout a file
has. Every token remembers the document line it came from.

A number token is `own_cell` when it was a cell of its own (a table cell, a tab- or pipe-separated
field, a whole line): blanks around it are then written out as blank tokens. Numbers found inside
running text (a crawl with the whole report on one line) are not: such text drops blank cells and
may run several cells' digits together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reports.document import Document
from reports.lazyre import LazyPattern
from reports.text import ZERO_MARKERS, Token, is_page_number, norm, number_token, squash

MAX_TOKENS = 200_000  # a report has a few thousand; beyond this the rest is not read
SEP = "\x01"  # stands for one number or blank token in the stream's label string

# A number in running text: grouped thousands, a decimal, or a digit run.
_NUM_RE = LazyPattern(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+\.\d+|\d+")
# After a number, these make it a figure of prose ("34件", "2023年"), not a table cell.
_UNIT_AFTER = LazyPattern(r"\s*(?:件|条|个|项|次|人|万|元|%|％|年|月|日|号|页|期|场|篇|名|家|份|起|宗|倍|类|余|多|天|小时|分|秒|位|批|部|套|亿|千|百)")
# Before a number, these make it part of a label ("数据1", "第3", "（1").
_LABEL_BEFORE = LazyPattern(r"(?:数据|列|栏|第|[(（〔\[【]|[A-Za-z])\s*$")
# An item number that opens a label: "1.属于国家秘密", "2、重复申请", also glued to the numbers
# before it ("00000002.其他法律…" is the run 0000000 and the label "2.其他法律…").
_ITEM_AFTER = LazyPattern(r"[.、．]")
_SIGNED = LazyPattern(r"^\s*[+-]\d+\s*$")  # "-3" is a change (本年增/减), not a page number "- 3 -"
_MD_RULE = LazyPattern(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


@dataclass
class Tok:
    kind: str  # "label", "num", "blank"
    text: str  # label: squashed text; num: digits as written; blank: ""
    line: int  # index of the document line
    own_cell: bool = False  # num/blank: a cell of its own (see module doc)
    token: Token | None = None  # num/blank: the value cell

    @property
    def is_value(self) -> bool:
        return self.kind != "label"


def _cells(line_cells: list[str], structured: bool) -> list[tuple[str, bool]]:
    """The cells of one line as (text, is_grid_cell). Pipes split Markdown table rows."""
    out: list[tuple[str, bool]] = []
    grid = structured or len(line_cells) > 1
    for cell in line_cells:
        if "|" in cell and not structured:
            parts = cell.split("|")
            if cell.strip().startswith("|"):
                parts = parts[1:]
            if cell.strip().endswith("|"):
                parts = parts[:-1]
            out.extend((p, True) for p in parts)
        else:
            out.append((cell, grid))
    return out


def _text_tokens(text: str, line: int, own: bool, out: list[Tok]) -> None:
    """Tokens of one cell's text: numbers and the label text between them."""
    # A full-width comma separates (cells of a crawl, clauses of prose), never thousands: "5，300" is
    # two numbers, where "5,300" is one.
    s = norm(text.replace("，", "， "))
    flat = s.replace(" ", "")
    if not flat:
        return
    if flat in ZERO_MARKERS:
        out.append(Tok("num", flat, line, own, Token(text, 0, "marker")))
        return
    whole = _NUM_RE.fullmatch(flat)
    if whole:
        out.append(Tok("num", flat, line, own, _num_token(flat)))
        return
    signed = re.fullmatch(r"[+-](\d+(?:\.\d+)?)", flat)
    if signed:  # a change written with its sign ("本年增/减" of the 2019 format): one cell
        out.append(Tok("num", flat, line, own, _signed(flat[0], signed.group(1), text)))
        return
    words = s.split(" ")
    k = len(words)
    while k > 0 and (words[k - 1] in ZERO_MARKERS or _NUM_RE.fullmatch(words[k - 1])):
        k -= 1
    if own and 0 < k < len(words) and any(w in ZERO_MARKERS for w in words[k:]):
        # "行政事业性收费 无", "规章 无 无 2": zero markers standing as words after a label are cells.
        _text_tokens(" ".join(words[:k]), line, own, out)
        for w in words[k:]:
            _text_tokens(w, line, False, out)
        return
    pos = 0
    label = ""
    nums = list(_NUM_RE.finditer(s))
    # A cell of numbers separated by spaces ("46 0 46") is several cells of its own.
    spaced = own and all(not ch.strip() or ch.isdigit() or ch in ",." for ch in s)
    for m in nums:
        before, digits, after = s[pos:m.start()], m.group(0), s[m.end():]
        if before.strip() in ZERO_MARKERS and before.startswith(" ") and before.endswith(" ") and nums[0] is not m:
            # "0 / 4": a zero marker standing between numbers is a cell of its own.
            _flush(label, line, out)
            label, before = "", ""
            out.append(Tok("num", s[pos:m.start()].strip(), line, spaced, Token(s[pos:m.start()].strip(), 0, "marker")))
        label += before
        if _UNIT_AFTER.match(after) or _LABEL_BEFORE.search(label) and not before.endswith(" ") \
                or re.match(r"\d", after[:1] or "x"):
            label += digits
            pos = m.end()
            continue
        item = ""
        if "." not in digits and _ITEM_AFTER.match(after) and (len(after) == 1 or not after[1].isdigit()) \
                and not (after[1:2] in ("+", "-") and after[2:3].isdigit()) and digits[-1] in "12345678":
            digits, item = digits[:-1], digits[-1]
        if digits:
            tok, sign = _num_token(digits), ""
            if label[-1:] in ("+", "-") and label[:-1].rstrip()[-1:] in (",", ";", "、") \
                    and after.lstrip()[:1] in ("", ",", ";", "、") and tok.value is not None:
                # "28，+1，181": a signed cell between separators (本年增/减 of the 2019 format); a sign
                # glued between digits ("28+1181") is left to the readings of glued runs
                sign, label = label[-1], label[:-1]
                tok = _signed(sign, digits, sign + digits)
            _flush(label, line, out)
            label = ""
            out.append(Tok("num", sign + digits.replace(",", ""), line, spaced, tok))
        label += item
        pos = m.end()
    label += s[pos:]
    _flush(label, line, out)


def _flush(label: str, line: int, out: list[Tok]) -> None:
    sq = squash(label).strip("|#*")
    if sq and sq.strip(",;、"):  # commas, semicolons or 、 alone only separate numbers
        out.append(Tok("label", sq, line))


def _signed(sign: str, digits: str, raw: str) -> Token:
    """The number `digits` with its sign ("+" or "-"), as written in `raw`."""
    tok = _num_token(digits)
    return Token(raw, -tok.value if tok.value is not None and sign == "-" else tok.value, tok.kind)


def _num_token(digits: str) -> Token:
    """A number as written; a run of more digits than any figure has is a text cell (not-a-number)."""
    return number_token(digits, digits.replace(",", ""))


def tokens(doc: Document) -> list[Tok]:
    """The document as one stream of tokens."""
    out: list[Tok] = []
    for i, line in enumerate(doc.lines):
        if len(out) > MAX_TOKENS:
            break
        raw = " ".join(line.cells)
        if not raw.strip():
            if raw and line.table is None:
                out.append(Tok("blank", "", i, True, Token(raw, None, "blank")))  # a cell left blank
            continue
        text = line.text
        if is_page_number(text) and not _SIGNED.match(text) or _MD_RULE.match(text.strip()):
            continue
        cells = _cells(line.own_cells, line.table is not None)
        single = len(cells) == 1
        for cell, grid in cells:
            if not cell.strip():
                if grid:
                    out.append(Tok("blank", "", i, True, Token(cell, None, "blank")))
                continue
            last = next((t for t in reversed(out[-40:]) if t.kind != "blank" or t.line != i), None)
            if grid and not single and last is not None and last.line == i and last.kind == "num" \
                    and last.token is not None and last.token.kind in ("number", "marker") \
                    and not any(ch.isdigit() for ch in cell) and len(squash(cell)) <= 6 \
                    and squash(cell) not in ZERO_MARKERS:
                # Short text in a grid row after its numbers: a cell that holds no number ("若干").
                out.append(Tok("num", squash(cell), i, True, Token(cell, None, "text")))
                continue
            _text_tokens(cell.lstrip("#").strip() if single else cell, i, grid or single, out)
    # Leading/trailing blank cells of a row say nothing; they are dropped by the readers.
    return out


@dataclass
class Stream:
    toks: list[Tok]
    text: str  # labels as text, each value token as SEP
    at: list[int]  # char offset -> token index
    offset: list[int]  # token index -> char offset (one more entry: the end)

    @classmethod
    def of(cls, toks: list[Tok]) -> Stream:
        parts: list[str] = []
        at: list[int] = []
        offset: list[int] = []
        for k, t in enumerate(toks):
            piece = t.text if t.kind == "label" else SEP
            offset.append(len(at))
            parts.append(piece)
            at.extend([k] * len(piece))
        offset.append(len(at))
        return cls(toks, "".join(parts), at, offset)

    def tok_at(self, offset: int) -> int:
        """The index of the token at a char offset (the end of the stream gives len(toks))."""
        return self.at[offset] if offset < len(self.at) else len(self.toks)
