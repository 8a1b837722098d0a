"""Document -> Report: sections, title, the three tables, and where every figure came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.document import Document, Line
from reports.model import Cell, Report
from reports.relations import Relation, table3_relations, table4_relations
from reports.sections import find_headings, find_title
from reports.solve import Solution, solve
from reports.tables import TableRead, read_table2, read_table3, read_table4
from reports.text import Token, squash

_T2_START = re.compile(r"第二十条|信息内容")
_T3_START = re.compile(r"申请人情况|本年新收|新收政府信息公开申请")
_T4_START = re.compile(r"行政复议.*行政诉讼|行政复议$")


@dataclass
class Parsed:
    """The report plus what the rules need to know about how it was read."""

    report: Report
    tables: dict[int, TableRead] = field(default_factory=dict)
    solutions: dict[int, Solution] = field(default_factory=dict)
    relations: dict[int, list[Relation]] = field(default_factory=dict)
    headings: dict[int, int] = field(default_factory=dict)  # section -> line index
    title_line: int | None = None


def _find(lines: list[Line], pattern: re.Pattern[str], start: int, end: int) -> int | None:
    for i in range(start, end):
        if pattern.search(squash(lines[i].text)):
            return i
    return None


def _ranges(lines: list[Line], heads: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Line ranges of tables 2–4, from the headings where found, else from the tables' own words."""
    n = len(lines)
    starts: dict[int, int | None] = {
        2: heads.get(2), 3: heads.get(3), 4: heads.get(4),
    }
    if starts[2] is None:
        starts[2] = _find(lines, _T2_START, heads.get(1, 0), n)
    if starts[3] is None:
        starts[3] = _find(lines, _T3_START, starts[2] or 0, n)
    if starts[4] is None:
        starts[4] = _find(lines, _T4_START, (starts[3] or 0) + 1, n)
    bounds = sorted({v for v in (*starts.values(), heads.get(5), heads.get(6)) if v is not None} | {n})
    out: dict[int, tuple[int, int]] = {}
    for s in (2, 3, 4):
        st = starts[s]
        if st is None:
            continue
        end = next((b for b in bounds if b > st), n)
        out[s] = (st + 1 if heads.get(s) == st else st, end)
    return out


def _section_text(lines: list[Line], heads: dict[int, int], section: int) -> str:
    if section not in heads:
        return ""
    start = heads[section]
    later = [i for i in heads.values() if i > start]
    end = min(later) if later else len(lines)
    return "\n".join(line.text for line in lines[start + 1:end])


def parse(doc: Document) -> Parsed:
    lines = doc.lines
    heads = {s: h.index for s, h in find_headings(lines).items()}
    report = Report(kind=doc.kind, pages=doc.pages)
    first_heading = min(heads.values()) if heads else None
    title = find_title(lines, first_heading)
    report.title, report.agency, report.year = title.text, title.agency, title.year
    parsed = Parsed(report=report, headings=heads, title_line=title.line)
    ranges = _ranges(lines, heads)
    readers = {2: read_table2, 3: read_table3, 4: read_table4}
    for s, (a, b) in ranges.items():
        parsed.tables[s] = readers[s](lines, a, b)
    t2, t3 = parsed.tables.get(2), parsed.tables.get(3)
    # Format: table 2's header words and table 3's （六） rows.
    hints = [t.fmt_hint for t in (t2, t3) if t and t.fmt_hint]
    if "2019" in hints:
        report.format = "2019"
    elif hints or t3 and t3.found:
        report.format = "2021"
    elif report.year and report.year < 2019:
        report.format = "pre-2019"
    if t3 is not None:
        report.has_total_column = t3.has_total
    for s, t in parsed.tables.items():
        if not t.found:
            continue
        report.tables_found.append(s)
        if s == 3:
            rels = table3_relations(fmt=report.format, has_total=bool(t.has_total), rows=t.rows,
                                    subtotals=t.subtotals)
        elif s == 4:
            rels = table4_relations()
        else:
            rels = []
        parsed.relations[s] = rels
        sol = solve(t.base, t.choices, rels)
        parsed.solutions[s] = sol
        for key in sol.values:
            _store_cell(report, key, sol, t)
    report.sections = sorted(set(heads) | set(report.tables_found))
    for s in (1, 5, 6):
        report.section_text[s] = _section_text(lines, heads, s)
    report.preamble = "\n".join(line.text for line in lines[: first_heading or 0])
    return parsed


def _store_cell(report: Report, key: str, sol: Solution, t: TableRead) -> None:
    row = t.origin.get(key)
    tok: Token | None = sol.tokens.get(key)
    value = sol.values.get(key)
    certain = sol.certain.get(key, False)
    blank = tok is not None and tok.kind in ("blank", "marker")
    if key in sol.derived:
        status, figure = "derived", value
    elif tok is None or not certain:
        status, figure = "unreadable", None
    elif tok.kind == "blank":
        status, figure = "blank", None  # a blank stays null in the figures; the rules count it as 0
    elif tok.kind == "text":
        status, figure = "text", None
    else:
        status, figure = ("marker" if tok.kind == "marker" else "read"), value
    report.cells[key] = Cell(
        value=figure,
        raw=tok.raw if tok is not None else "",
        page=row.page if row else None,
        line=row.line if row else None,
        certain=certain or key in sol.derived,
        blank=blank,
        status=status,
    )
