"""Tables found by their own row labels in the token stream, whatever the layout.

The vocabulary of the national format is fixed (本年新收…, 上年结转…, （一）予以公开 … （七）总计,
结转下年度…, 规章, 行政规范性文件, 行政许可…, 行政复议…), so every occurrence of a row label in the
stream is a candidate anchor, and the longest chain of candidates in the official order is the
table (a stray header row or a sentence of the narrative that uses the same words falls out of the
chain). The numbers between one anchor and the next are that row's cells, fitted to its columns by
reports.tables.row_readings and then by the solver with the table's arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reports.document import Document
from reports.labels import GROUP_NOISE, S2_2019_HINT, S2_2021_HINT, S3_ROW_PATTERNS
from reports.lazyre import LazyPattern
from reports.model import S3_APPLICANT_COLUMNS, S3_COLUMNS, S3_ROWS, S4_GROUPS, S4_OUTCOMES
from reports.rows import RawRow
from reports.stream import SEP, Stream, Tok, tokens
from reports.tables import (
    MAX_SPLITS,
    S2_2019_COLUMNS,
    S2_2021_COLUMNS,
    TableRead,
    _row_total_ok,
    put_table4,
    row_prefix,
    row_readings,
)
from reports.text import Token

# Generic header cells that converters put between a group label and its row ("类别 | 数据1 | … | 总计").
_HDR = r"(?:类别|项目|数据\d{1,2}|数量|总计|合计|\(数据项目\)|（数据项目）)*"
MAX_CANDIDATES = 24  # occurrences of one label considered (a report has one or two)
_NEAR = 48  # label characters between an anchor and its first number, at most, for a "row" anchor

# Table 3: (key, pattern) in the official order; sub.* are subtotal rows some reports add.
_S3_ORDER: list[tuple[str, re.Pattern[str]]] = []
for _k in S3_ROWS:
    if _k == "denied.state_secret":
        _S3_ORDER.append(("sub.denied", re.compile(f"不予公开(?=[^{SEP}]{{0,2}}{_HDR}{SEP})")))
    elif _k == "unavailable.not_held":
        _S3_ORDER.append(("sub.unavailable", re.compile(f"无法提供(?=[^{SEP}]{{0,2}}{_HDR}{SEP})")))
    elif _k == "rejected.petition":
        _S3_ORDER.append(("sub.rejected", re.compile(f"不予处理(?=[^{SEP}]{{0,2}}{_HDR}{SEP})")))
    elif _k == "other.no_correction":
        _S3_ORDER.append(("sub.other", re.compile(f"其他处理(?=[^{SEP}]{{0,2}}{_HDR}{SEP})")))
    if _k == "new":
        pat = re.compile(r"本年(?:度)?新收|新收政府信息公开申请|本年(?:度)?收到[^\x01]{0,10}?申请|新受理")
    elif _k == "other.misc":
        pat = re.compile(f"(?:3[.、]|[(（]3[)）]|{SEP}|^)其他(?=[^{SEP}]{{0,2}}{SEP})")
    elif _k == "results_total":
        pat = re.compile(f"(?:总计|合计)(?=[^{SEP}]{{0,2}}{_HDR}{SEP})")
    elif _k == "granted":
        pat = re.compile(r"(?<!不)予以公开")
    else:
        pat = S3_ROW_PATTERNS[_k]
    _S3_ORDER.append((_k, pat))

_ORDER_INDEX = {k: i for i, (k, _) in enumerate(_S3_ORDER)}

_S2_ORDER: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(f"{words}(?=[^{SEP}]{{0,24}}{SEP})"))
    for name, words in (
        ("rules", r"(?<!政府)(?<!市政府)规章"),
        ("normative", r"规范性文件"),
        ("licensing", r"行政许可"),
        ("other_services", r"其他对外管理服务事项"),
        ("punishment", r"行政处罚"),
        ("coercion", r"行政强制"),
        ("fees", r"行政事业性收费"),
        ("procurement", r"政府集中采购"),
    )
]
_S3_START = LazyPattern(r"申请人情况|自然人|收到和处理政府信息公开申请")
_S4_START = re.compile(r"行政复议")
_S4_WORDS = LazyPattern(
    r"政府信息公开|行政复议|行政诉讼|结果维持|结果纠正|其他结果|尚未审结|未经复议直接起诉|复议后起诉|直接起诉|"
    r"未经复议|复议后|起诉|维持|纠正|结果|其他|尚未|审结|总计|情况|数量|含上年度结转|注|[四4]、|[(（）)#|:：、，,。.\s\-]"
)
_SECTION5 = LazyPattern(r"五、|存在的?主要问题|改进情况")


@dataclass
class Anchor:
    key: str
    start: int  # char offsets in the stream text
    end: int


def _candidates(s: Stream, order: list[tuple[str, re.Pattern[str]]], lo: int, hi: int) -> list[tuple[int, Anchor, int]]:
    """(order index, anchor, weight) for every label occurrence in text[lo:hi]."""
    out = []
    for oi, (key, pat) in enumerate(order):
        for n, m in enumerate(pat.finditer(s.text, lo, hi)):
            if n >= MAX_CANDIDATES:
                break
            nxt = s.text.find(SEP, m.end(), min(hi, m.end() + _NEAR))
            out.append((oi, Anchor(key, m.start(), m.end()), 2 if nxt >= 0 else 1))
    out.sort(key=lambda c: (c[1].start, c[0]))
    return out


def _header_rows_out(s: Stream, cands: list[tuple[int, Anchor, int]]) -> list[tuple[int, Anchor, int]]:
    """Without the row labels of a header row (a stray "| 项目 | 本年新收件数 | 上年结转件数 | 予以公开 |
    …" a converter repeats mid-table): a line that holds three row labels and no number."""
    on_line: dict[int, set[int]] = {}
    for oi, a, _ in cands:
        on_line.setdefault(s.toks[s.tok_at(a.start)].line, set()).add(oi)
    valued = {t.line for t in s.toks if t.kind != "label"}
    header = {ln for ln, keys in on_line.items() if len(keys) >= 3 and ln not in valued}
    return [c for c in cands if s.toks[s.tok_at(c[1].start)].line not in header] if header else cands


def _chain(cands: list[tuple[int, Anchor, int]]) -> list[Anchor]:
    """The heaviest chain of candidates increasing both in position and in the official order."""
    if not cands:
        return []
    best = [0] * len(cands)
    prev = [-1] * len(cands)
    for i, (oi, a, w) in enumerate(cands):
        best[i] = w
        for j in range(i):
            oj, b, _ = cands[j]
            if oj < oi and b.end <= a.start and best[j] + w >= best[i]:
                best[i], prev[i] = best[j] + w, j
    i = max(range(len(cands)), key=lambda k: (best[k], -k))
    out = []
    while i >= 0:
        out.append(cands[i][1])
        i = prev[i]
    return out[::-1]


def _trim(vals: list[Tok]) -> list[Tok]:
    a, b = 0, len(vals)
    while a < b and vals[a].kind == "blank":
        a += 1
    while b > a and vals[b - 1].kind == "blank":
        b -= 1
    return vals[a:b]


def _values(s: Stream, a: int, b: int, *, stop_at_label: bool = False
            ) -> tuple[list[Tok], list[tuple[str, list[Tok]]]]:
    """The value tokens between token indexes a and b, and the rows of values left over (with the
    label text on their lines).

    Numbers on the anchor's own line come first: when the line that holds the label also holds
    numbers, those are the row (a table row written on one line), and the values on later lines
    are rows of their own whose labels were detached; otherwise the row's cells follow on the next
    lines (one cell per line)."""
    toks = s.toks[a:b]
    if stop_at_label:
        seen = False
        for k, t in enumerate(toks):
            if t.kind != "label":
                seen = True
            elif seen:
                toks = toks[:k]
                break
    vals = [t for t in toks if t.kind != "label"]
    rest: list[tuple[str, list[Tok]]] = []
    if a > 0 and vals:
        line = s.toks[a - 1].line
        same = [t for t in vals if t.line == line]
        if any(t.kind == "num" for t in same) and len(same) < len(vals):
            by_line: dict[int, list[Tok]] = {}
            for t in vals:
                if t.line != line:
                    by_line.setdefault(t.line, []).append(t)
            labels: dict[int, str] = {}
            for t in toks:
                if t.kind == "label" and t.line in by_line:
                    labels[t.line] = labels.get(t.line, "") + t.text
            rest = [(labels.get(ln, ""), g) for ln, g in ((ln, _trim(v)) for ln, v in by_line.items())
                    if any(t.kind == "num" for t in g)]
            vals = same
    return vals, rest


def _fragment(label: str, key: str) -> bool:
    """Whether a line's label text may belong to row `key`: it names no other row of table 3 (a
    fragment of a wrapped label, or none at all)."""
    item = GROUP_NOISE.sub("", label)
    return all(k == key for k in S3_ROWS if k not in ("results_total", "other.misc") and S3_ROW_PATTERNS[k].search(item))


def _common_width(s: Stream, a: int, b: int) -> int:
    """The most common number of value cells on a line of a table's rows (lines of one value, as
    one cell per line gives, do not count): 0 when there is no such line."""
    per_line: dict[int, int] = {}
    for t in s.toks[a:b + 1]:
        if t.kind != "label":
            per_line[t.line] = per_line.get(t.line, 0) + 1
    widths = [w for w in per_line.values() if w > 1]
    return max(set(widths), key=lambda w: (widths.count(w), w)) if widths else 0


def _drop_label_cell(s: Stream, vals: list[Tok], width: int, a: int) -> list[Tok]:
    """Without a row's empty label cell: a blank that opens a line of numbers ("|  | 25 | 14 | …"),
    when the line has one cell more than the table's rows have (else the blank is a cell of the row)."""
    if len(vals) < 2 or vals[0].kind != "blank" or vals[1].line != vals[0].line:
        return vals
    line = vals[0].line
    k = next((j for j in range(a, len(s.toks)) if s.toks[j] is vals[0]), -1)
    if k > 0 and s.toks[k - 1].line == line:
        return vals  # a label before it on the line: the blank is a value cell
    on_line = sum(1 for t in vals if t.line == line)
    return vals[1:] if width == 0 or on_line > width else vals


def _row_lines(s: Stream, vals: list[Tok], width: int, ta: int, tb: int) -> list[list[Tok]] | None:
    """When the values are several lines of numbers (two and more on each), the lines as rows of
    the table's width (each without its empty label cell); [] when they are not such rows (lines of
    other widths, or a line with a row label of its own: where each row ends is not known). None
    when the values are not several lines of numbers."""
    by_line: dict[int, list[Tok]] = {}
    for t in vals:
        by_line.setdefault(t.line, []).append(t)
    if len(by_line) < 2 or any(len(g) < 2 for g in by_line.values()):
        return None
    labelled = {t.line for t in s.toks[ta:tb] if t.kind == "label" and t.line in by_line
                and not _fragment(t.text, "")}
    out = []
    for group in by_line.values():
        if len(group) == width + 1 and group[0].kind == "blank":
            group = group[1:]
        if len(group) != width or group[0].line in labelled:
            return []
        out.append(group)
    return out


def _detached(pending: list[Anchor], a: Anchor, lines: list[list[Tok]], last: str | None, items_other: bool
              ) -> list[tuple[Anchor, list[Tok]]]:
    """Rows whose labels stand together before their numbers: the labels `pending` and `a`, then
    `lines`, one row per line in the same order. The rows are those anchors when there are as many
    lines, or the official rows after the last row read (`last`) up to `a` when one of their labels
    was not recognised (the 2019 format's one row （六）其他处理 where no 其他处理 item is in the
    table: not items_other); otherwise which line is which row is unknown and the rows are not read."""
    group = [*pending, a]
    if len(lines) == len(group):
        return list(zip(group, lines, strict=True))
    keys = {g.key for g in group}
    first = _ORDER_INDEX[last] + 1 if last is not None else _ORDER_INDEX[group[0].key]
    official = [k for k, _ in _S3_ORDER[first:_ORDER_INDEX[a.key] + 1]
                if (k == "sub.other" and not items_other) or k in keys
                or not k.startswith("sub.") and (items_other or not k.startswith("other."))]
    if len(lines) == len(official):
        by_key = {g.key: g for g in group}
        return [(by_key.get(k, Anchor(k, a.start, a.end)), g) for k, g in zip(official, lines, strict=True)]
    return [(g, []) for g in group]


def _raw_row(doc: Document, s: Stream, anchor_tok: int, vals: list[Tok]) -> RawRow:
    lt = s.toks[min(anchor_tok, len(s.toks) - 1)]
    line = doc.lines[lt.line]
    label = lt.text if lt.kind == "label" else ""
    raw = (label + " " + " ".join(t.text or "·" for t in vals)).strip()
    return RawRow(label=label, before="", slots=[t.token for t in vals if t.token is not None], structured=False,
                  page=line.page, line=line.lineno, index=lt.line, raw=raw[:200])


def _readings(row: RawRow, vals: list[Tok], n: int, total: bool, blanks_written: bool = True, groups: int = 0
              ) -> list[list[Token | None]]:
    """Readings of a row's values as n cells. Numbers inside running text, or in a document that
    never writes a blank cell out, stand for rows whose blanks were dropped."""
    if len(vals) > n and len({t.line for t in vals}) < len(vals):
        # More cells than the row has, and not one per line: the row is n of them side by side, and
        # what is left at either end is blank cells (an empty label cell, a trailing pipe) or a
        # number alone on its line (a page number). Each such window is a reading; the arithmetic
        # chooses between them.
        def spare(t: Tok) -> bool:
            return t.kind == "blank" or t.kind == "num" and sum(u.line == t.line for u in vals) == 1

        windows = [vals[a:a + n] for a in range(len(vals) - n + 1)
                   if all(spare(t) for t in vals[:a] + vals[a + n:])]
        if windows:
            out: list[list[Token | None]] = []
            seen: set[tuple[Token | None, ...]] = set()
            for w in windows:
                for r in _readings(row, w, n, total, blanks_written, groups):
                    if tuple(r) not in seen:
                        seen.add(tuple(r))
                        out.append(r)
            if total and len(out) > 1:
                out = [r for r in out if _row_total_ok(r)] or out
            return out[:MAX_SPLITS]
    # Blank cells written out keep their places; beyond n cells, blanks at the ends are not cells
    # of the row (an empty label cell, a trailing pipe).
    a, b = 0, len(vals)
    while b - a > n and vals[a].kind == "blank":
        a += 1
    while b - a > n and vals[b - 1].kind == "blank":
        b -= 1
    vals = vals[a:b]
    if n == 15 and len(vals) > n and 1 < len({t.line for t in vals}) < len(vals):
        # Table 4: whole lines that make up its row exactly: what follows them (a page number, a stray
        # line) is not part of it.
        k = 0
        while k < len(vals) and k < n:
            line = vals[k].line
            while k < len(vals) and vals[k].line == line:
                k += 1
        if k == n:
            vals = vals[:n]
    if not any(t.kind == "num" for t in vals):
        if len(vals) == n:
            return [[t.token for t in vals]]  # a row of blank cells written out
        vals = []
    crawl = bool(vals) and (not any(t.own_cell for t in vals) or not blanks_written)
    row.slots = [t.token for t in vals if t.token is not None]
    row.structured = bool(vals) and not crawl and blanks_written  # blanks keep their places
    # Cells on lines of their own may be a number split over two lines.
    joins = len({t.line for t in vals}) == len(vals)
    readings, _ = row_readings(row, n, dropped_blanks=crawl, total=total and crawl, joins=joins,
                               groups=groups if crawl else 0)
    if not readings and crawl and total:
        # No reading adds up (the report's own error): any reading, so that the arithmetic finds
        # the row at fault rather than deduce its cells from the other rows.
        readings, _ = row_readings(row, n, dropped_blanks=True, joins=joins)
    if total and len(readings) > 1:
        ok = [r for r in readings if _row_total_ok(r)]
        readings = ok or readings
    return readings[:MAX_SPLITS]


def _put(read: TableRead, prefix: str, columns: tuple[str, ...], readings: list[list[Token | None]],
         row: RawRow) -> None:
    keys = [f"{prefix}.{c}" for c in columns]
    for k in keys:
        read.origin[k] = row
    if not readings:
        for k in keys:
            read.base[k] = None
        return
    if len(readings) == 1:
        read.base.update(dict(zip(keys, readings[0], strict=True)))
    else:
        read.resolved[prefix] = row
        read.choices.append([dict(zip(keys, r, strict=True)) for r in readings])


@dataclass
class Anchored:
    tables: dict[int, TableRead]
    stream: Stream


def read_anchored(doc: Document) -> Anchored:
    s = Stream.of(tokens(doc))
    out: dict[int, TableRead] = {}
    t3, s3_span = _table3(doc, s)
    s3_lo = s3_span[0] if s3_span else len(s.text)
    s3_hi = s3_span[1] if s3_span else 0
    out[3] = t3
    out[2] = _table2(doc, s, 0, s3_lo if t3.found else len(s.text))
    out[4] = _table4(doc, s, s3_hi, t3.blanks_written if t3.found else True)
    return Anchored(out, s)


def _table3(doc: Document, s: Stream) -> tuple[TableRead, tuple[int, int] | None]:
    read = TableRead()
    m = _S3_START.search(s.text)
    lo = m.start() if m else 0
    chain = _chain(_header_rows_out(s, _candidates(s, _S3_ORDER, lo, len(s.text))))
    rows = chain
    # A table needs rows with numbers: at least a few anchors, new or results among them.
    keys = [a.key for a in rows]
    if len(rows) < 3 or not ({"new", "results_total", "carried_in", "carried_out"} & set(keys)):
        return read, None
    header = s.text[lo:rows[0].start]
    items_other = any(k.startswith("other.") for k in keys)
    width = _common_width(s, s.tok_at(rows[0].start), s.tok_at(rows[-1].end - 1))
    spans: list[tuple[Anchor, list[Tok]]] = []
    pending: list[Anchor] = []  # anchors with no numbers of their own since the last row read
    last: str | None = None  # the last row read
    for i, a in enumerate(rows):
        ta = s.tok_at(a.end - 1) + 1
        tb = s.tok_at(rows[i + 1].start) if i + 1 < len(rows) else len(s.toks)
        vals, rest = _values(s, ta, tb, stop_at_label=i + 1 == len(rows))
        vals = _drop_label_cell(s, vals, width, ta)
        if not vals:
            pending.append(a)
            continue
        lines = _row_lines(s, vals, width, ta, tb)
        if lines is not None:
            # Several whole rows of numbers after one label: the labels of the rows above were
            # lifted out of the table (converter output) and stand together before their rows.
            # Rows of other widths: which numbers are whose is not known, none is read.
            spans += _detached(pending, a, lines, last, items_other) if lines else [(p, []) for p in [*pending, a]]
            pending = []
            last = a.key
            continue
        spans += [(p, []) for p in pending]
        pending = []
        spans.append((a, vals))
        last = a.key
        # Rows whose labels were detached (converter output): as many rows of values left over as
        # official rows missing between this anchor and the next are those rows, in order.
        nxt = _ORDER_INDEX[rows[i + 1].key] if i + 1 < len(rows) else _ORDER_INDEX[a.key] + 1
        missing = [k for k, _ in _S3_ORDER[_ORDER_INDEX[a.key] + 1:nxt] if not k.startswith("sub.")]
        # A line with a row label of its own (a repeated row, a row out of place) is not one of them.
        if rest and len(rest) == len(missing) and all(len(g) == len(vals) for _, g in rest) \
                and all(_fragment(label, k) for (label, _), k in zip(rest, missing, strict=True)):
            spans.extend((Anchor(k, a.start, a.end), g) for k, (_, g) in zip(missing, rest, strict=True))
            last = missing[-1]
    spans += [(p, []) for p in pending]
    counts = [len([t for t in v if t.kind == "num"]) for _, v in spans if v]
    if not counts:
        return read, None
    read.found = True
    first_tok, last_tok = s.tok_at(rows[0].start), s.tok_at(rows[-1].end - 1)
    read.blanks_written = any(t.kind == "blank" for t in s.toks[first_tok:last_tok + 1])
    # The 总计 column: named in the header, or rows of seven cells (blanks written out count), or
    # digits glued into runs of seven and more.
    cells = [len(v) for _, v in spans if v]
    six = sum(c == 6 for c in cells) * 4 >= 3 * len(cells) and not any(c >= 7 for c in cells)
    read.has_total = not six and ("总计" in header or sum(c >= 7 for c in cells) * 4 >= len(cells)
                                  or any(len(t.text) >= 7 for _, v in spans for t in v))
    columns = S3_COLUMNS if read.has_total else S3_APPLICANT_COLUMNS
    for a, vals in spans:
        key = a.key
        if key == "sub.other" and not items_other:
            key = "other.all"
            read.fmt_hint = "2019"
        if not vals:
            if not key.startswith("sub."):
                read.rows.add(key)
                _put(read, f"s3.{key}", columns, [], _raw_row(doc, s, s.tok_at(a.start), vals))
            continue
        row = _raw_row(doc, s, s.tok_at(a.start), vals)
        prefix = row_prefix(read, key)
        _put(read, prefix, columns, _readings(row, vals, len(columns), bool(read.has_total), read.blanks_written),
             row)
    if items_other and read.fmt_hint is None:
        read.fmt_hint = "2021"
    end_tok = s.tok_at(rows[-1].end)
    seen = False
    while end_tok < len(s.toks):
        t = s.toks[end_tok]
        if t.kind == "label" and seen:
            break
        seen = seen or t.kind != "label"
        end_tok += 1
    return read, (rows[0].start, s.offset[end_tok])


def _table4(doc: Document, s: Stream, lo: int, blanks_written: bool) -> TableRead:
    read = TableRead()
    m = _S4_START.search(s.text, lo)
    if not m:
        return read
    keys = [f"s4.{g}.{o}" for g in S4_GROUPS for o in S4_OUTCOMES]
    first = s.tok_at(m.start())
    vals: list[Tok] = []
    for t in s.toks[first:]:
        if t.kind == "label":
            rest = _S4_WORDS.sub("", t.text)
            if vals and any(v.kind == "num" for v in vals) and len(rest) > 2:
                break
            nums = [v for v in vals if v.kind == "num"]
            if len(nums) == 1 and sum(x.line == nums[0].line for x in s.toks) == 1:
                vals = []  # a number alone on its line before the header: a page number
            if not any(v.kind == "num" for v in vals):
                if _SECTION5.search(t.text) and t is not s.toks[first]:
                    return read
                vals = []  # blank cells of the header: the row's cells follow its last label
            continue
        vals.append(t)
        if len(vals) >= 60:
            break
    while len(vals) > 15 and vals[-1].kind == "blank":
        vals.pop()
    if not any(v.kind == "num" for v in vals):
        return read
    read.found = True
    row = _raw_row(doc, s, first, vals)
    readings = _readings(row, vals, 15, False, blanks_written, groups=3)
    crawl = not any(t.own_cell for t in vals) or not blanks_written
    last = vals[-1]
    if crawl and len(vals) > 1 and last.kind == "num" and sum(t.line == last.line for t in s.toks) == 1:
        # A number alone on the line after the row may be a page number: the readings without it
        # too (cells a crawl lacks count 0, so the groups' totals tell).
        shorter = _readings(_raw_row(doc, s, first, vals[:-1]), vals[:-1], 15, False, blanks_written, groups=3)
        have = {tuple(r) for r in readings}
        readings += [r for r in shorter if tuple(r) not in have]
    if put_table4(read, keys, row, readings):
        read.resolved["s4"] = row
    read.rows = set(S4_GROUPS)
    return read


_NARR_S2 = {
    "rules": LazyPattern(r"规章[^。；;，,\d]{0,4}?(\d+)件"),
    "normative": LazyPattern(r"规范性文件[^。；;，,\d]{0,4}?(\d+)件"),
}


def _stated(text: str, name: str) -> dict[str, int]:
    """Figures of a table-2 row that the narrative states ("制发规范性文件88件", "现行有效…698件")."""
    pat = _NARR_S2.get(name)
    out: dict[str, int] = {}
    if pat is None:
        return out
    for m in pat.finditer(text):
        ctx = text[max(0, m.start() - 12):m.start()]
        col = "in_force" if "现行有效" in ctx else "repealed" if re.search("废止|失效", ctx) else "issued"
        out.setdefault(col, int(m.group(1)))
    return out


def _table2(doc: Document, s: Stream, lo: int, hi: int) -> TableRead:
    read = TableRead()
    m = re.search(r"第二十条|主动公开政府信息情况", s.text[lo:hi])
    start = lo + m.start() if m else lo
    # Table 2's rows have no arithmetic between them and converters move them about: each row is
    # its label's first occurrence followed by numbers.
    firsts: dict[str, Anchor] = {}
    for _, a, w in _candidates(s, _S2_ORDER, start, hi):
        if w == 2 and a.key not in firsts:
            firsts[a.key] = a
    chain = sorted(firsts.values(), key=lambda a: a.start)
    text = s.text[start:hi]
    fmt = "2019" if S2_2019_HINT.search(text) and not S2_2021_HINT.search(text) else "2021"
    read.fmt_hint = fmt if (S2_2019_HINT.search(text) or S2_2021_HINT.search(text)) else None
    narrative = s.text[:hi].replace(SEP, " ")  # table cells are SEPs: only prose states "N件"
    for i, a in enumerate(chain):
        name = a.key
        if fmt == "2021" and name not in ("rules", "normative", "licensing", "punishment", "coercion", "fees"):
            continue
        ta = s.tok_at(a.end - 1) + 1
        tb = s.tok_at(chain[i + 1].start) if i + 1 < len(chain) else s.tok_at(hi)
        vals, _ = _values(s, ta, tb, stop_at_label=True)
        vals = _drop_label_cell(s, vals, 0, ta)
        if not vals:
            continue
        if any(t.kind == "label" and t.text in ("+", "-") for t in s.toks[ta:tb]):
            vals = []  # a signed change run into its neighbours ("10-28"): where it ends is unknown
        read.found = True
        read.rows.add(name)
        row = _raw_row(doc, s, s.tok_at(a.start), vals)
        if fmt == "2021" and name not in S2_2021_COLUMNS:
            readings = _readings(row, vals, 1, False)
            key = f"s2.{name}"
            read.origin[key] = row
            read.base[key] = readings[0][0] if len(readings) == 1 else None
            continue
        cols = S2_2021_COLUMNS[name] if fmt == "2021" else S2_2019_COLUMNS[name]
        readings = _readings(row, vals, len(cols), False)
        if len(readings) > 1 and fmt == "2021":
            # No arithmetic here: only the narrative's own statement of a figure can choose.
            stated = _stated(narrative, name)
            idx = {c: j for j, c in enumerate(cols)}
            fit = [r for r in readings if stated and all(
                r[idx[c]] is not None and r[idx[c]].value == v for c, v in stated.items())]  # type: ignore[union-attr]
            if fit:
                readings = fit
        if len(readings) > 1 and "change" in cols:
            # The 2019 rows 上一年项目数量 / 本年增/减 / 处理决定数量 glued ("行政许可3960181") have no
            # arithmetic, but the format writes a change with its sign ("+2", "-1"; a signed run is
            # dropped above): an unsigned change cell is 0. So only the cuts whose change is a
            # lone "0" stand: 396/0/181, never 39/60/181 or 3960/1/81.
            j = cols.index("change")
            readings = [r for r in readings if r[j] is not None and r[j].value == 0 and r[j].raw == "0"] or readings
        prefix = f"s2.{name}" if fmt == "2021" else f"s2.v2019.{name}"
        # Only a cell every remaining cut agrees on is read; the others are reported unreadable.
        _agreed(read, prefix, cols, readings, row)
        if fmt == "2019" and name in ("licensing", "punishment", "coercion"):
            src = f"s2.v2019.{name}.decisions"
            read.origin[f"s2.{name}"] = row
            read.base[f"s2.{name}"] = read.base.pop(src, None)
            read.origin.pop(src, None)
    return read


def _agreed(read: TableRead, prefix: str, cols: tuple[str, ...], readings: list[list[Token | None]],
            row: RawRow) -> None:
    """Table 2 has no arithmetic: a cell is read only where every reading agrees on it."""
    for j, c in enumerate(cols):
        key = f"{prefix}.{c}"
        read.origin[key] = row
        vals = {(r[j].value, r[j].kind) if r[j] is not None else None for r in readings}
        read.base[key] = readings[0][j] if readings and len(vals) == 1 else None
