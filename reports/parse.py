"""Document -> Report: sections, title, the three tables, and where every figure came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.anchored import read_anchored
from reports.budget import bounded
from reports.document import Document, Line
from reports.lazyre import LazyPattern
from reports.model import Cell, Report
from reports.relations import Relation, table3_relations, table4_relations
from reports.sections import Title, find_headings, find_headings_inline, find_title
from reports.solve import MAX_WORK, Solution, solve, violated
from reports.tables import TableRead, read_table2, read_table3, read_table4
from reports.text import Token, squash

_T2_START = LazyPattern(r"第二十条|信息内容")
_T3_START = LazyPattern(r"申请人情况|本年新收|新收政府信息公开申请")
_T4_START = LazyPattern(r"行政复议.*行政诉讼|行政复议$")


@dataclass
class Parsed:
    """The report plus what the rules need to know about how it was read."""

    report: Report
    tables: dict[int, TableRead] = field(default_factory=dict)
    solutions: dict[int, Solution] = field(default_factory=dict)
    relations: dict[int, list[Relation]] = field(default_factory=dict)
    headings: dict[int, int] = field(default_factory=dict)  # section -> line index
    title_line: int | None = None
    year_from_period: bool = False  # no title gives the year: it is the statistics period's


def _title_fallbacks(report: Report, title: Title, head_title: str | None) -> bool:
    """What the document's own title leaves out: the agency and year from a web page's <title> (when
    it names a report of the same year), then the year from the statistics period (one calendar
    year, stated before section 一). True when the year is the period's."""
    period = title.period_years[0] if title.period_years and title.period_years[0] == title.period_years[1] else None
    if head_title and (report.agency is None or report.year is None):
        page = find_title([Line(cells=[head_title])], None)
        if page.year is not None and report.year in (None, page.year) and period in (None, page.year):
            report.year = page.year
            if report.agency is None:
                report.agency = page.agency
            if report.title is None:
                report.title = page.text
    if report.year is None and period is not None:
        report.year = period
        return True
    return False


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


def _section_text(text: str, offsets: dict[int, int], bodies: dict[int, int], section: int) -> str:
    """The text of a section: from the end of its heading to the next heading."""
    if section not in offsets:
        return ""
    start = offsets[section]
    later = [o for o in offsets.values() if o > start]
    end = min(later) if later else len(text)
    body = min(bodies[section], end)
    if end > body and text[end - 1] == "\n":
        end -= 1
    return text[body:end]


def _format(t2: TableRead | None, t3: TableRead | None, year: int | None) -> str:
    hints = [t.fmt_hint for t in (t2, t3) if t and t.fmt_hint]
    if "2019" in hints:
        return "2019"
    if hints or t3 and t3.found:
        return "2021"
    if year and year < 2019:
        return "pre-2019"
    return "unknown"


def _relations(s: int, t: TableRead, fmt: str) -> list[Relation]:
    if s == 3:
        return table3_relations(fmt=fmt, has_total=bool(t.has_total), rows=t.rows, subtotals=t.subtotals)
    if s == 4:
        return table4_relations()
    return []


def _score(t: TableRead | None, sol: Solution | None, rels: list[Relation]) -> tuple[int, int, int]:
    """How well a table was read: found, relations that fail or cannot be checked (fewer is better;
    one that fails on a blank cell is the report's own error, not a misreading), certain cells."""
    if t is None or sol is None or not t.found:
        return (0, 0, 0)
    failing = [rel for rel in violated(sol.values, rels)
               if not any((tok := sol.tokens.get(k)) is not None and tok.kind == "blank" for k in rel.keys)]
    unchecked = [rel for rel in rels if any(sol.values.get(k) is None for k in rel.keys)]
    return (1, -len(failing) - len(unchecked), sum(1 for k, c in sol.certain.items() if c and k in sol.values))


def _complete(sol: Solution) -> bool:
    return sol.violations == 0 and all(sol.certain.get(k) for k in sol.values)


_Option = tuple[TableRead | None, Solution | None, list[Relation], str]
_S2_ROWS = {"2021": {"rules", "normative", "licensing", "punishment", "coercion", "fees"},
            "2019": {"rules", "normative", "licensing", "other_services", "punishment", "coercion", "fees",
                     "procurement"}}


def _settled(options: dict[int, _Option], fmt: str) -> bool:
    """Whether the line reading leaves nothing for the label reading to decide: tables 3 and 4
    found, every cell certain and every relation checked and holding; table 2 found with all its
    rows, each read exactly as its cells stand (nothing checks table 2 but a second reading)."""
    for s in (2, 3, 4):
        reading, sol, rels, _ = options[s]
        if reading is None or sol is None or not reading.found or not _complete(sol) or not sol.values:
            return False
        if s != 2 and _score(reading, sol, rels)[1] != 0:
            return False
    t2 = options[2][0]
    return t2 is not None and t2.exact and t2.rows >= _S2_ROWS.get(fmt, _S2_ROWS["2021"])


def parse(doc: Document) -> Parsed:
    with bounded():  # the whole document's fitting of numbers to cells shares one budget
        return _parse(doc)


def _parse(doc: Document) -> Parsed:
    lines = doc.lines
    found_heads = find_headings(lines)
    heads = {s: h.index for s, h in found_heads.items()}
    report = Report(kind=doc.kind, pages=doc.pages)
    first_heading = min(heads.values()) if heads else None
    title = find_title(lines, first_heading)
    report.title, report.agency, report.year = title.text, title.agency, title.year
    year_from_period = _title_fallbacks(report, title, doc.head_title)
    # Where each heading starts in the document's text (headings run into the text included).
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.text) + 1)
    offsets = {s: starts[i] for s, i in heads.items()}
    bodies = {s: starts[i + 1] for s, i in heads.items()}  # a heading line: its section starts below it
    for s, (i, a, b) in find_headings_inline(lines, found_heads).items():
        heads[s] = i
        offsets[s], bodies[s] = starts[i] + a, starts[i] + b
    heads = dict(sorted(heads.items(), key=lambda kv: (offsets[kv[0]], kv[0])))
    parsed = Parsed(report=report, headings=heads, title_line=title.line, year_from_period=year_from_period)
    # Two readings of every table: by lines under the section headings, and by the format's own
    # row labels in the token stream. The better one (found, adds up, more cells certain) is kept.
    # The line reading comes first, with a small budget for the solver; when it settles every table
    # (below), the label reading, which could only agree with it, is not made.
    by_lines: dict[int, TableRead] = {}
    ranges = _ranges(lines, heads)
    readers = {2: read_table2, 3: read_table3, 4: read_table4}
    for s, (a, b) in ranges.items():
        by_lines[s] = readers[s](lines, a, b)
    fmt_lines = _format(by_lines.get(2), by_lines.get(3), report.year)
    line_options: dict[int, _Option] = {}
    for s in (2, 3, 4):
        reading = by_lines.get(s)
        if reading is None or not reading.found:
            line_options[s] = (reading, None, [], fmt_lines)
            continue
        rels = _relations(s, reading, fmt_lines)
        line_options[s] = (reading, solve(reading.base, reading.choices, rels, max_work=MAX_WORK // 20), rels,
                           fmt_lines)
    by_labels = {} if _settled(line_options, fmt_lines) else read_anchored(doc).tables
    fmt_labels = _format(by_labels.get(2), by_labels.get(3), report.year)
    for s in (2, 3, 4):
        options: list[_Option] = []
        reading = by_labels.get(s)
        if reading is not None and reading.found:
            rels = _relations(s, reading, fmt_labels)
            options.append((reading, solve(reading.base, reading.choices, rels), rels, fmt_labels))
        line = line_options[s]
        if line[1] is not None and line[1].out_of_work and line[0] is not None \
                and not (options and options[0][1] is not None and _complete(options[0][1])):
            # The label reading left something open: the line reading gets the whole budget.
            line = (line[0], solve(line[0].base, line[0].choices, line[2]), line[2], line[3])
        options.append(line)
        # On a tie: the label reading for table 2 (no arithmetic to tell), the line reading for 3 and 4.
        best = max(options if s == 2 else options[::-1], key=lambda o: _score(o[0], o[1], o[2]))
        other = next((o for o in options if o is not best), None)
        if s == 2 and best[1] is not None and other is not None and other[1] is not None \
                and best[0] is not None and other[0] is not None:
            # Nothing checks table 2: a cell the two readings read differently is not read at all;
            # one of its cells that only the other reading reads is taken from it.
            conflicts = set()
            for k, v in best[1].values.items():
                if other[1].certain.get(k) and other[1].values.get(k) != v and v is not None:
                    best[1].values[k], best[1].tokens[k], best[1].certain[k] = None, None, False
                    conflicts.add(k)
            for k, v in other[1].values.items():
                if other[1].certain.get(k) and k in best[1].values and not best[1].certain.get(k) \
                        and k not in conflicts:
                    best[1].values[k], best[1].tokens[k], best[1].certain[k] = v, other[1].tokens.get(k), True
                    if k in other[0].origin:
                        best[0].origin[k] = other[0].origin[k]
        if best[0] is not None:
            parsed.tables[s] = best[0]
            if best[1] is not None:
                parsed.solutions[s], parsed.relations[s] = best[1], best[2]
    t2, t3 = parsed.tables.get(2), parsed.tables.get(3)
    fmt = _format(t2, t3, report.year)
    if fmt != "unknown":
        report.format = fmt
    if t3 is not None:
        report.has_total_column = t3.has_total
    for s, t in parsed.tables.items():
        if not t.found:
            continue
        report.tables_found.append(s)
        rels = _relations(s, t, fmt)
        if s not in parsed.solutions or rels != parsed.relations.get(s):
            parsed.relations[s] = rels
            parsed.solutions[s] = solve(t.base, t.choices, rels)
        sol = parsed.solutions[s]
        for key in sol.values:
            _store_cell(report, key, sol, t)
    report.sections = sorted(set(heads) | set(report.tables_found))
    text = "\n".join(line.text for line in lines)
    for s in (1, 5, 6):
        report.section_text[s] = _section_text(text, offsets, bodies, s)
    first = min(offsets.values()) if offsets else 0
    report.preamble = text[:max(0, first - 1)]
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
