"""Years and small numbers in questions: 2023年, 23年, 二〇二三年, 去年, last year; 前五, top 3."""

from __future__ import annotations

import datetime as dt
import re

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "twenty": 20}

_YEAR_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)\s*(?:年度?|年)?"), "abs"),
    (re.compile(r"([二一][〇零○O一二三四五六七八九]{3})\s*年度?"), "cn"),
    (re.compile(r"(?<![\d.])'?(\d\d)\s*年度?"), "two"),
    (re.compile(r"(?<![A-Za-z])'(\d\d)(?!\d)"), "two"),
    (re.compile(r"大前年|the year before the year before last"), "-3"),
    (re.compile(r"前年|the year before last|two years ago"), "-2"),
    (re.compile(r"去年|上一?年度?(?!结转)|last year|previous year|past year|a year ago"), "-1"),
    (re.compile(r"今年|this year|current year"), "0"),
)


def cn_number(s: str) -> int | None:
    """'五' -> 5, '十' -> 10, '十二' -> 12, '二十' -> 20, '5' -> 5."""
    if s.isdigit():
        return int(s)
    if s in _EN_NUMBERS:
        return _EN_NUMBERS[s]
    if not s or any(ch not in _CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, 1) if head else 1
        return tens * 10 + (_CN_DIGITS.get(tail, 0) if tail else 0)
    return _CN_DIGITS.get(s)


def find_years(text: str, today: dt.date, taken: list[bool]) -> list[int]:
    """Years named in the text, in order of appearance (duplicates removed); marks their spans."""
    found: list[tuple[int, int]] = []
    for pattern, how in _YEAR_PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.span()
            if any(taken[a:b]):
                continue
            if how == "abs":
                year = int(m.group(1))
            elif how == "cn":
                year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
            elif how == "two":
                year = 2000 + int(m.group(1))
            else:
                year = today.year + int(how)
            if not 1990 <= year <= 2100:
                continue
            for i in range(a, b):
                taken[i] = True
            found.append((a, year))
    return list(dict.fromkeys(y for _, y in sorted(found)))


_TOP_ZH = re.compile(r"前\s*([0-9]+|[一二两三四五六七八九十]+)\s*(?:名|位|个|家|大|强)?")
_TOP_EN = re.compile(r"\btop\s*(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)?\b", re.I)
_N_EN = re.compile(r"\b(\d+|three|five|ten) (?:agencies|units|bodies|departments|governments)\b", re.I)


def find_top_n(text: str, taken: list[bool]) -> tuple[int | None, bool]:
    """(N, found): N of 前五 / top 5 / 5 agencies; found True when a top-N phrase is present."""
    for pattern in (_TOP_ZH, _TOP_EN, _N_EN):
        m = pattern.search(text)
        if m and not any(taken[m.start():m.end()]):
            for i in range(m.start(), m.end()):
                taken[i] = True
            n = cn_number(m.group(1).lower()) if m.group(1) else None
            return n, True
    return None, False
