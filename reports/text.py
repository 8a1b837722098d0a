"""Text normalisation and number tokens shared by the parser."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero markers: what real reports write for "none" in a number cell.
ZERO_MARKERS = frozenset({"-", "--", "---", "—", "——", "–", "―", "─", "/", "\\", "无", "0件", "空", "×", "x"})
_DASHES = str.maketrans({"－": "-", "–": "-", "―": "-", "─": "-", "‐": "-", "−": "-", "﹣": "-"})
_SPACE_RE = re.compile(r"\s+")
_INT_RE = re.compile(r"^[+-]?\d+$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DEC_RE = re.compile(r"^[+-]?\d+\.\d+$")
# A number possibly followed by a unit that some reports write into cells.
_UNIT_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(件|个|条|项|万元|元)$")


def norm(text: str) -> str:
    """NFKC (full-width digits and brackets to half-width), dashes unified, whitespace folded."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _SPACE_RE.sub(" ", text).strip()


def squash(text: str) -> str:
    """norm() without any spaces: for matching labels whose characters were spread apart."""
    return norm(text).replace(" ", "")


@dataclass(frozen=True)
class Token:
    """A value cell as written: raw text, its number (None when blank), and how it was written."""

    raw: str
    value: int | float | None
    kind: str  # "number", "blank" (empty cell), "marker" (a zero marker such as "—"), "text" (not a number)

    @property
    def digits(self) -> bool:
        return self.kind == "number" and isinstance(self.value, int) and self.raw.isdigit()


# A report figure has at most a dozen digits; digits run together from a table row a few dozen. A longer
# run is no figure (and int() refuses strings of over 4,300 digits): it is read as text.
MAX_NUMBER_DIGITS = 100


def number_token(raw: str, v: str) -> Token:
    """The number v (digits, an optional sign and point) as written in raw; text when it is too long."""
    if len(v) - v.startswith(("+", "-")) - ("." in v) > MAX_NUMBER_DIGITS:
        return Token(raw, None, "text")
    return Token(raw, float(v) if "." in v else int(v), "number")


def parse_token(raw: str) -> Token:
    """Classify one cell's text as a number, a blank, a zero marker or text."""
    s = norm(raw).replace(" ", "")
    if not s:
        return Token(raw, None, "blank")
    if s in ZERO_MARKERS:
        return Token(raw, 0, "marker")
    if _INT_RE.match(s) or _DEC_RE.match(s):
        return number_token(raw, s)
    if _GROUPED_RE.match(s):
        return number_token(raw, s.replace(",", ""))
    m = _UNIT_RE.match(s)
    if m:
        return number_token(raw, m.group(1))
    return Token(raw, None, "text")


def is_value(raw: str) -> bool:
    """True when a cell holds a number or a zero marker (not a blank, not label text)."""
    return parse_token(raw).kind in ("number", "marker")


_NUM_PIECE = r"(?:[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+(?:\.\d+)?|—+|-+|/|无)"
_TRAILING_RE = re.compile(rf"(?:^|(?<=\s)){_NUM_PIECE}(?:\s+{_NUM_PIECE})*$")


def split_trailing_numbers(cell: str) -> tuple[str, list[str]]:
    """'一、本年新收申请数量 3001 53 0' -> ('一、本年新收申请数量', ['3001', '53', '0']).

    Only whitespace-separated numbers at the end of the cell count, so '1.属于国家秘密' keeps its '1.'."""
    s = norm(cell)
    m = _TRAILING_RE.search(s)
    if not m:
        return s, []
    label = s[: m.start()].rstrip()
    tokens = m.group(0).split()
    if not label:
        return "", tokens
    # A label that ends in a digit glued to the numbers ("第 4 页") is handled by the caller's filters.
    return label, tokens


PAGE_NUMBER_RE = re.compile(r"^(?:[-—–\s]*\d+[-—–\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")


def is_page_number(text: str) -> bool:
    s = norm(text)
    return bool(s) and bool(PAGE_NUMBER_RE.match(s)) and ("-" in s or "页" in s or "/" in s or "—" in s)


CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}


def cn_year(text: str) -> int | None:
    """'二〇二三' -> 2023."""
    if len(text) != 4 or any(ch not in CN_DIGITS for ch in text):
        return None
    return int("".join(str(CN_DIGITS[ch]) for ch in text))
