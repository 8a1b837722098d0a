"""Finding the six section headings, the title (agency and year) and the statistics period."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reports.document import Line
from reports.lazyre import LazyPattern
from reports.text import cn_year, norm, squash

# A heading starts with a numeral marker: "二、", "二.", "（二）", "第二部分", or Markdown hashes.
_MARKER_RE = re.compile(r"^(?:#+\s*)?(?:第?([一二三四五六七])(?:部分)?\s*[、.,，:：\s]|[(]([一二三四五六七])[)]|([1-7])\s*[、.])")
_KEYWORDS: dict[int, re.Pattern[str]] = {
    1: re.compile(r"总体情况|概述|总体概况|基本情况"),
    2: re.compile(r"主动公开政府信息|主动公开情况"),
    3: re.compile(r"收到和处理|收到及处理|依申请公开"),
    4: re.compile(r"行政复议|行政诉讼"),
    5: re.compile(r"存在的?主要问题|存在问题|主要问题"),
    6: re.compile(r"其他需要报告|其他事项|需要报告的事项"),
}
_NUMERALS = "一二三四五六七"
MAX_HEADING_LEN = 40


@dataclass
class Heading:
    section: int
    index: int  # index of the line in the document
    text: str


def heading_of(line: Line) -> int | None:
    """The section number a line heads, or None. Only short lines that start like a heading count."""
    text = squash(line.text)
    if not text:
        return None
    if len(text) > MAX_HEADING_LEN:
        # A heading run into its first paragraph ("一、总体情况2023年，我局……"): keep only the
        # heading's words, which must come right after the marker.
        text = text[:MAX_HEADING_LEN // 2 + 4]
        if not _MARKER_RE.match(text) or not any(p.search(text) for p in _KEYWORDS.values()):
            return None
    m = _MARKER_RE.match(text)
    if not m and not line.text.lstrip().startswith("#"):
        return None
    numeral = None
    if m:
        g = m.group(1) or m.group(2)
        numeral = _NUMERALS.index(g) + 1 if g else int(m.group(3))
    rest = text[m.end():] if m else text.lstrip("#")
    hits = [s for s, pat in _KEYWORDS.items() if pat.search(rest)]
    if not hits:
        return None
    strong = {1: "总体情况", 2: "主动公开政府信息", 3: "收到和处理", 4: "行政复议", 5: "存在", 6: "其他需要报告"}
    if m and (m.group(2) or m.group(3)):
        # Bracketed or arabic numerals ("（二）依申请公开", "2、依申请公开") are also how section 1
        # numbers its sub-items: they head a section only with the section's unmistakable words.
        hits = [s for s in hits if strong[s] in rest]
        return numeral if numeral in hits else hits[0] if len(hits) == 1 and hits[0] != 1 else None
    if numeral in hits:
        return numeral
    if len(hits) == 1 and hits[0] != 1:
        # Row labels of table 3 ("四、结转下年度…") never reach here: they carry no section keyword.
        return hits[0]
    return None


def find_headings(lines: list[Line]) -> dict[int, Heading]:
    """The first heading of each section, in document order. Repeated page headers are ignored."""
    found: dict[int, Heading] = {}
    for i, line in enumerate(lines):
        if line.table is not None and len([c for c in line.cells if c.strip()]) > 1:
            continue
        s = heading_of(line)
        if s is not None and s not in found:
            found[s] = Heading(s, i, norm(line.text))
    return found


_TITLE_RE = re.compile(
    r"^(?P<pre>.*?)(?:关于)?(?P<year>(?:19|20)\d{2}|[〇零一二三四五六七八九○]{4})年度?(?P<post>.*?)"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?报告"
)
# The year after the title: "XX局政府信息公开工作年度报告（2023年度）".
_TITLE_YEAR_AFTER_RE = re.compile(
    r"^(?P<pre>.*?)(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?报告[(（]?"
    r"(?P<year>(?:19|20)\d{2}|[〇零一二三四五六七八九○]{4})年?度?[)）]?$"
)
# A title line that names no year: "XX局政府信息公开工作年度报告" (the year is the statistics period's).
_TITLE_NO_YEAR_RE = LazyPattern(r"^(?P<pre>[^\d:：，,。]{2,40}?)(?:关于)?(?:政府信息公开|政务公开)(?:工作)?年度报告$")
_TITLE_HINT = re.compile(r"(?:信息公开|政务公开).{0,6}报告")
_AGENCY_BY = LazyPattern(r"本报告由(?P<agency>[^，,。（(]{2,40}?)(?:根据|依据|按照|编制)")
_PERIOD_RE = re.compile(
    r"统计(?:期限|时限|期间|时间|数据|周期|区间)[^。\n]{0,12}?(?P<y1>(?:19|20)\d{2})年\s*1月\s*1日[^。\n]{0,4}?"
    r"(?:至|到|-|—|~)\s*(?:(?P<y2>(?:19|20)\d{2})年)?\s*12月\s*31日"
)


@dataclass
class Title:
    text: str | None = None
    agency: str | None = None
    year: int | None = None
    line: int | None = None
    period_years: tuple[int, int] | None = None


def _year(s: str) -> int | None:
    return int(s) if s.isdigit() else cn_year(s)


_META_PREFIX = re.compile(r"^(?:标题|题目|名称|文章标题|title)[:：]", re.I)
_NOT_TITLE = re.compile(r"://|^source[:：]|^来源[:：]|^原文链接|^本地目录|^链接|^采集时间")
# A portal's menu items above the title ("首页 / 政务公开 / 政府信息公开 / XX局2023年…").
_NAV_PREFIX = re.compile(r"^(?:(?:首页|政务公开|政府信息公开|信息公开|公开年报|年报|政府信息公开年报|工作年报|法定主动公开内容)+)")
_PUBLISHER = LazyPattern(r"^(?:发布机构|发文机关|发布单位|来源单位)[:：]?(?P<agency>.{2,40})$")


def find_title(lines: list[Line], first_heading: int | None) -> Title:
    """The report's title (agency, year) from the lines before the first section heading.

    Crawler lines ("标题：…", "发布机构：…") and URLs are read as such; the title may run over two
    lines, with the agency above it, the year below it, or the year before the agency."""
    limit = first_heading if first_heading is not None else min(len(lines), 40)
    texts: list[tuple[int, str]] = []
    for i, line in enumerate(lines[:limit]):
        t = squash(line.text).lstrip("#")
        if not t or _NOT_TITLE.search(t):
            continue
        texts.append((i, _META_PREFIX.sub("", t)))
    title = Title()
    fallback: Title | None = None
    for pos, (i, text) in enumerate(texts[:24]):
        nxt = texts[pos + 1][1] if pos + 1 < len(texts) else ""
        prev = texts[pos - 1][1] if pos > 0 else ""
        # The line alone first: the line above may be the agency, or a portal's menu item.
        candidates = [text]
        if nxt:  # the title wraps onto the next line
            candidates.append(text + nxt)
        if prev:  # the agency is often on the line above the title
            candidates.append(prev + text)
            if nxt:  # agency above, year below: "XX局 / 政府信息公开工作年度报告 / （2023年度）"
                candidates.append(prev + text + nxt)
        if not any(_TITLE_HINT.search(c) for c in candidates):
            continue
        for cand in candidates:
            m = _TITLE_RE.search(cand) or _TITLE_YEAR_AFTER_RE.search(cand)
            if not m:
                continue
            year = _year(m.group("year"))
            agency = (m.group("pre") or "").strip("《》\"“”").removeprefix("关于")
            if (not agency or len(agency) < 2) and "post" in m.groupdict():
                agency = (m.group("post") or "").strip("《》\"“”")
            agency = _NAV_PREFIX.sub("", agency or "")
            if agency and (len(agency) > 40 or re.search(r"[:：]|\d", agency)):
                agency = None
            if year and agency:
                title = Title(text=cand, agency=agency, year=year, line=lines[i].lineno)
                break
            if year and fallback is None:
                fallback = Title(text=cand, agency=None, year=year, line=lines[i].lineno)
        if title.year:
            break
    if title.year is None and fallback is not None:
        title = fallback
    head = "".join(t for _, t in texts[:60])
    if title.agency is None:
        for i, t in texts[:24]:
            m = _TITLE_NO_YEAR_RE.match(t)
            agency = _NAV_PREFIX.sub("", m.group("pre").strip("《》\"“”")) if m else ""
            if len(agency) >= 2:
                title.agency = agency
                if title.text is None:
                    title.text, title.line = t, lines[i].lineno
                break
    if title.agency is None:
        m = _AGENCY_BY.search(head)
        if m:
            title.agency = m.group("agency")
    if title.agency is None:
        for _, t in texts[:40]:
            m = _PUBLISHER.match(t)
            if m:
                title.agency = m.group("agency")
                break
    m = _PERIOD_RE.search(head)
    if m:
        title.period_years = (int(m.group("y1")), int(m.group("y2") or m.group("y1")))
    return title


_INLINE_HEADS: dict[int, re.Pattern[str]] = {
    1: LazyPattern(r"一\s*[、.．]\s*总\s*体\s*情\s*况"),
    2: LazyPattern(r"二\s*[、.．]\s*主\s*动\s*公\s*开"),
    3: LazyPattern(r"三\s*[、.．]\s*收\s*到\s*[和及]\s*处\s*理"),
    4: LazyPattern(r"四\s*[、.．]\s*(?:政\s*府\s*信\s*息\s*公\s*开\s*)?(?:行\s*政\s*复\s*议|因政府信息公开)"),
    5: LazyPattern(r"五\s*[、.．]\s*(?:政\s*府\s*信\s*息\s*公\s*开\s*工\s*作\s*)?存\s*在"),
    6: LazyPattern(r"六\s*[、.．]\s*其\s*他\s*需\s*要\s*报\s*告"),
}


def find_headings_inline(lines: list[Line], known: dict[int, Heading]) -> dict[int, tuple[int, int, int]]:
    """Headings run into the text around them (a crawl with the whole report on one line): section ->
    (line index, char offsets in that line's text where the heading starts and ends), for the
    sections `known` lacks, in order."""
    out: dict[int, tuple[int, int, int]] = {}
    last = (-1, -1)
    for s in range(1, 7):
        if s in known:
            last = max(last, (known[s].index, 0))
            continue
        for i in range(max(0, last[0]), len(lines)):
            text = lines[i].text
            if len(text) < 30 and i != last[0]:
                continue  # short lines were already judged by heading_of
            m = _INLINE_HEADS[s].search(text, last[1] + 1 if i == last[0] else 0)
            if m:
                out[s] = (i, m.start(), m.end())
                last = (i, m.start())
                break
    return out


def period_in_text(text: str) -> tuple[int, int] | None:
    m = _PERIOD_RE.search(squash(text))
    return (int(m.group("y1")), int(m.group("y2") or m.group("y1"))) if m else None
