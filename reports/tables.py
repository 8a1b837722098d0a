"""Reading tables 2, 3 and 4 out of document lines into canonical cells."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reports.budget import spend
from reports.document import Line
from reports.labels import (
    GROUP_NOISE,
    S2_2019_HINT,
    S2_2021_HINT,
    S2_ROW_PATTERNS,
    S3_GROUP_PATTERNS,
    S3_HEADER_HINT,
    S3_ROW_PATTERNS,
)
from reports.lazyre import LazyPattern
from reports.model import S3_APPLICANT_COLUMNS, S3_COLUMNS, S3_ROWS, S4_GROUPS, S4_OUTCOMES
from reports.relations import subtotal_key
from reports.rows import RawRow, collect_rows, column_start
from reports.solve import arith
from reports.text import Token, parse_token, squash

MAX_PLACEMENTS = 64
_PERSON = re.compile(r"^自然人$")
_T2_VALUES = LazyPattern(r"本年制发件数|本年新制作数量|上一年项目数量|本年处理决定数量|采购项目数量")


@dataclass
class TableRead:
    """What the parser made of one table: certain cells, rows that can be read several ways,
    and the raw rows (for places and messages)."""

    found: bool = False
    base: dict[str, Token | None] = field(default_factory=dict)
    choices: list[list[dict[str, Token | None]]] = field(default_factory=list)
    origin: dict[str, RawRow] = field(default_factory=dict)  # key -> the row it came from
    rows: set[str] = field(default_factory=set)
    resolved: dict[str, RawRow] = field(default_factory=dict)  # rows read one of several ways (prefix -> row)
    subtotals: set[str] = field(default_factory=set)
    has_total: bool | None = None
    blanks_written: bool = True  # the text writes blank cells out (a cell it lacks was lost, not blank)
    fmt_hint: str | None = None
    notes: list[tuple[str, RawRow]] = field(default_factory=list)  # (code, row) for unmatched rows etc.
    exact: bool = True  # every row gave exactly its cells, in order (nothing had to be fitted)


# --------------------------------------------------------------------------- readings of one row


DROPPED = Token("0", 0, "number")  # a cell that running text dropped (blank or 0: both count 0)
MAX_SPLITS = 2000  # readings of one row kept at most
MAX_JOINS = 1000  # ways to rejoin split numbers tried at most (a row split in a few places)
MAX_CELL_DIGITS = 9  # a count never has more digits than this: longer runs are several cells
MAX_SPLIT_RUN = 7 * MAX_CELL_DIGITS  # a digit run longer than this is not split at all


def _digit_splits(text: str, parts: int, limit: int = MAX_SPLITS) -> list[list[str]] | None:
    """Ways to cut a digit string into `parts` numbers with no leading zeros and at most
    MAX_CELL_DIGITS digits each, at most `limit` of them. The work is bounded by construction: a
    table of which (position, parts left) can still be completed keeps the search off dead ends, so
    it costs O(len * parts * MAX_CELL_DIGITS) plus O(parts) per cut returned. None when there are
    more than `limit` (a part of them would look more certain than the text is)."""
    n = len(text)
    if parts < 1 or parts > n or n > MAX_SPLIT_RUN or n > parts * MAX_CELL_DIGITS:
        return []
    if not spend(n * parts):
        return None
    # ok[k][i]: text[i:] can be cut into k valid pieces.
    ok = [[False] * (n + 1) for _ in range(parts + 1)]
    ok[0][n] = True
    for k in range(1, parts + 1):
        for i in range(n - 1, -1, -1):
            if text[i] == "0":
                ok[k][i] = ok[k - 1][i + 1]
            else:
                ok[k][i] = any(ok[k - 1][j] for j in range(i + 1, min(n, i + MAX_CELL_DIGITS) + 1))
    if not ok[parts][0]:
        return []
    out: list[list[str]] = []
    stack: list[tuple[int, int, list[str]]] = [(0, parts, [])]
    while stack:
        i, k, acc = stack.pop()
        if k == 0:
            out.append(acc)
            if len(out) > limit or not spend(parts):
                return None
            continue
        ends = [i + 1] if text[i] == "0" else range(min(n, i + MAX_CELL_DIGITS), i, -1)
        for j in ends:
            if ok[k - 1][j]:
                stack.append((j, k - 1, [*acc, text[i:j]]))
    return out


def _aligned(row: RawRow, n: int, col: int | None) -> list[Token] | None:
    """Tab-separated text whose header tells where the value columns are: read the cells there."""
    if col is None or row.structured or len(row.cells) < col + n:
        return None  # a row shorter than the header's grid has lost cells: positions are unknown
    window = [parse_token(c) for c in row.cells[col:col + n]]
    rest = [parse_token(c) for c in row.cells[col + n:]]
    if any(t.kind == "text" for t in window) or any(t.kind != "blank" for t in rest):
        return None
    if any(t.kind in ("number", "marker") for t in (parse_token(c) for c in row.cells[:col])):
        return None
    return window


def _subtotal_column(slots: list[Token], n: int) -> list[list[Token | None]]:
    """Table 3 as some local templates print it: a 法人或其他组织 subtotal column besides the official
    seven. Eight numbers where one is the sum of the five organisation columns and the last the row
    total: drop the subtotal (wherever it stands). Empty when the row is not like that."""
    vals = list(slots)
    while vals and vals[0].kind == "blank":
        vals.pop(0)
    while vals and vals[-1].kind == "blank":
        vals.pop()
    if n != 7 or len(vals) != 8 or any(t.kind not in ("number", "marker") for t in vals):
        return []
    nums = [t.value or 0 for t in vals]
    out: list[list[Token | None]] = []
    for i in range(8):
        rest = nums[:i] + nums[i + 1:]
        if rest[6] == sum(rest[:6]) and nums[i] == sum(rest[1:6]):
            reading: list[Token | None] = list(vals[:i] + vals[i + 1:])
            if all(reading != o for o in out):
                out.append(reading)
    # All readings of an all-zero row are the same numbers: one is enough.
    values = {tuple(t.value if t else None for t in r) for r in out}
    return out[:1] if len(values) == 1 else out


def row_readings(row: RawRow, n: int, col: int | None = None, *, dropped_blanks: bool = False,
                 total: bool = False, joins: bool = False, groups: int = 0, glued: bool = True
                 ) -> tuple[list[list[Token | None]], bool]:
    """Possible readings of a row as n cells (None = a cell the text does not give).
    Returns (readings, exact) where exact means the text gives exactly n cells in order.

    dropped_blanks: the text is known to drop blank cells (a crawl of running text), so a cell it
    does not give is blank rather than unknown. total: the last cell is the sum of the others, which
    prunes the readings of glued digits while they are cut. joins: numbers may be split over lines
    ("1" then "62" for 162), so more numbers than cells may be rejoined. glued: fewer numbers than
    cells may be digits run together, to be cut apart."""
    aligned = _aligned(row, n, col)
    if aligned is not None:
        return [list(aligned)], True
    slots = list(row.slots)
    extra = _subtotal_column(slots, n)
    if extra:
        return extra, False
    if row.structured:
        if len(slots) == n:
            return [slots], True
        if len(slots) > n and not joins:
            # Extra grid positions: merged label columns before the values, or unused columns after.
            lead, trail = slots[: len(slots) - n], slots[n:]
            if all(t.kind == "blank" for t in lead):
                return [slots[-n:]], True
            if all(t.kind == "blank" for t in trail):
                return [slots[:n]], True
            # Values on both sides: which ones are the row's is not known (the arithmetic may tell).
            return [slots[-n:], slots[:n]], False
    else:
        while slots and slots[0].kind == "blank":
            slots.pop(0)
    if len(slots) == n:
        return [slots], True
    if len(slots) > n:
        vals = [t for t in slots if t.kind != "blank"]
        if len(vals) == n and not joins:
            return [vals], False
        out = [vals] if len(vals) == n else [slots[-n:], slots[:n]]
        if joins:  # a number split over two lines: rejoin neighbours (blank cells keep their places)
            joined = joined_readings(slots, n, size=n // groups if groups else n if total else 0)
            if joined is None:
                return [[None] * n], False
            have = {tuple(r) for r in out}
            out += [r for r in joined if tuple(r) not in have]
        return out, False
    k = len(slots)
    # Digits glued together ("801000081" for 80 1 0 0 0 0 81): split the runs to reach n numbers.
    if glued and all(t.kind == "number" and t.raw.strip().isdigit() for t in slots):
        runs = [t.raw.strip() for t in slots]
        if groups:  # groups of numbers, each closed by their sum (table 4)
            cuts = group_cuts(runs, groups, n // groups)
            readings = None if cuts is None else [[Token(p, int(p), "number") for p in c] for c in cuts]
        else:
            readings = glued_readings(runs, n, total=total)
        if readings is None:
            return [[None] * n], False  # too many ways to cut the digits: the row is not read
        if not readings and dropped_blanks:
            # Fewer cells than columns even when cut apart: blanks were dropped as well.
            for m in range(n - 1, k - 1, -1):
                cuts = glued_readings(runs, m, total=total)
                if cuts is None:
                    return [[None] * n], False
                for pieces in cuts:
                    readings.extend(_placements(pieces, n, blank=True, total=total))
                    if len(readings) > MAX_SPLITS or readings and readings[-1] == [None] * n:
                        return [[None] * n], False
                if readings:
                    break
        if readings:
            return readings, False
    # Too few numbers: any placement of them, the rest unknown (or blank, when blanks were dropped).
    if all(t.kind in ("number", "marker") and (t.value == 0) for t in slots) and not dropped_blanks:
        return [[None] * n], False  # all zeros read, some cells lost: arithmetic decides
    return _placements(slots, n, blank=dropped_blanks, total=total), False


def joined_readings(vals: list[Token], n: int, size: int = 0) -> list[list[Token | None]] | None:
    """Ways to rejoin neighbouring numbers (a number split over lines) until n are left. Only digit
    numbers join, and never after a lone 0 (no number is written with a leading zero). With size,
    the cells come in groups of `size`, the last of each the sum of the others (a row's 总计, table
    4's groups): only readings that add up, found by a search that checks each group as it closes.
    None when there are more than MAX_SPLITS ways, or the search is too long."""
    m = len(vals)
    if m <= n:
        return []
    if size and n % size == 0 and all(t.kind in ("number", "marker", "blank") for t in vals):
        return _group_joins(vals, n, size)
    if math.comb(m - 1, n - 1) > MAX_JOINS or not spend(math.comb(m - 1, n - 1) * n):
        return None
    out: list[list[Token | None]] = []
    for cuts in itertools.combinations(range(1, m), n - 1):
        bounds = list(zip((0, *cuts), (*cuts, m), strict=True))
        reading: list[Token | None] = []
        for a, b in bounds:
            group = vals[a:b]
            if len(group) == 1:
                reading.append(group[0])
                continue
            raw = [t.raw.strip() for t in group]
            if any(t.kind != "number" or not r.isdigit() for t, r in zip(group, raw, strict=True)) or raw[0] == "0":
                break
            digits = "".join(raw)
            reading.append(Token(digits, int(digits), "number"))
        else:
            out.append(reading)
            if len(out) > MAX_SPLITS:
                return None
    return out


def _joined(group: list[Token]) -> Token | None:
    """Neighbouring cells read as one number (split over lines), or None when they cannot be one."""
    if len(group) == 1:
        return group[0]
    raw = [t.raw.strip() for t in group]
    digits = "".join(raw)
    if any(t.kind != "number" or not r.isdigit() for t, r in zip(group, raw, strict=True)) or raw[0].startswith("0") \
            or len(digits) > MAX_CELL_DIGITS:
        return None
    return Token(digits, int(digits), "number")


def _group_joins(vals: list[Token], n: int, size: int) -> list[list[Token | None]] | None:
    """joined_readings for cells in groups closed by their sum (see there)."""
    out: list[list[Token | None]] = []
    nodes = 0

    def walk(i: int, acc: list[Token]) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_GROUP_NODES or len(out) > MAX_SPLITS or nodes % 64 == 0 and not spend(64):
            return False
        if len(acc) == n:
            if i == len(vals):
                out.append(list(acc))
            return True
        if len(vals) - i < n - len(acc):
            return True
        closing = len(acc) % size == size - 1
        want = sum(arith(t) for t in acc[len(acc) - size + 1:]) if closing else None
        for j in range(i + 1, len(vals) - (n - len(acc) - 1) + 1):
            tok = _joined(vals[i:j])
            if tok is None:
                break
            if want is not None and arith(tok) != want:
                continue
            acc.append(tok)
            ok = walk(j, acc)
            acc.pop()
            if not ok:
                return False
        return True

    return out if walk(0, []) else None


MAX_GROUP_NODES = 10_000  # the same for table 4's one row of three groups
MAX_NODES = 3000  # steps of the cutting search for one row, at most


def _prefix_ranges(text: str, parts: int, bounds: set[int], longest: int = MAX_CELL_DIGITS
                   ) -> tuple[list[list[float]], list[list[float]]]:
    """lo[k][j], hi[k][j]: the least and the greatest sum of text[:j] cut into k numbers (no leading
    zeros, at most `longest` digits, no cut across a run's end); inf / -inf when it cannot be cut
    so. A search that keeps what is left of a total within these never goes astray."""
    inf = float("inf")
    n = len(text)
    pieces: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]  # j -> (i, value) of pieces text[i:j]
    for i in range(n):
        stop = i + 1 if text[i] == "0" else min(n, i + longest)
        for j in range(i + 1, stop + 1):
            if j - 1 > i and (j - 1) in bounds:
                break
            pieces[j].append((i, int(text[i:j])))
    lo = [[inf] * (n + 1) for _ in range(parts + 1)]
    hi = [[-inf] * (n + 1) for _ in range(parts + 1)]
    lo[0][0] = hi[0][0] = 0
    for k in range(1, parts + 1):
        lo_k, hi_k, lo_p, hi_p = lo[k], hi[k], lo[k - 1], hi[k - 1]
        for j in range(1, n + 1):
            for i, v in pieces[j]:
                if lo_p[i] != inf:
                    lo_k[j] = min(lo_k[j], lo_p[i] + v)
                    hi_k[j] = max(hi_k[j], hi_p[i] + v)
    return lo, hi


MAX_HEAD_CUTS = 4096  # cuts of a row's first numbers listed at most (meet in the middle)


def _head_size(k: int, longest: int) -> int:
    """How many of k numbers of at most `longest` digits to look up rather than search: up to half
    of them, as many as MAX_HEAD_CUTS allows."""
    h = k // 2
    while h > 0 and longest ** h > MAX_HEAD_CUTS:
        h -= 1
    return h


def _head_cuts(text: str, h: int, longest: int, ok_piece: Callable[[int, int], bool]
               ) -> dict[tuple[int, int], list[list[str]]]:
    """The cuts of text's first h numbers (at most `longest` digits each) by where they end and
    what they add up to: a search from the right stops h numbers short and looks the rest up."""
    table: dict[tuple[int, int], list[list[str]]] = {}

    def walk(i: int, left: int, total: int, acc: list[str]) -> None:
        if left == 0:
            table.setdefault((i, total), []).append(list(acc))
            return
        for j in range(i + 1, min(len(text), i + longest) + 1):
            if not ok_piece(i, j):
                if text[i] == "0":
                    break
                continue
            acc.append(text[i:j])
            walk(j, left - 1, total + int(text[i:j]), acc)
            acc.pop()

    walk(0, h, 0, [])
    return table


def _total_cuts(runs: list[str], n: int) -> list[list[str]] | None:
    """Cuts of digit runs into n numbers whose last is the sum of the others, found by a search that
    cuts numbers off from the right and keeps what is left of the total within what the digits
    before can still add up to: long rows of glued digits (a whole table row run together) are cut in
    few steps. None when the search is too long or finds more than MAX_SPLITS."""
    text = "".join(runs)
    size = len(text)
    if n < 2 or size < n or size > n * MAX_CELL_DIGITS:
        return []
    bounds: set[int] = set()
    pos = 0
    for r in runs[:-1]:
        pos += len(r)
        bounds.add(pos)
    last_start = size - len(runs[-1])
    # No cell exceeds the total, so none has more digits: the ranges, and the first numbers'
    # cuts, for each length of the total.
    ranges: dict[int, tuple[list[list[float]], list[list[float]]]] = {}
    heads: dict[int, dict[tuple[int, int], list[list[str]]]] = {}
    out: list[list[str]] = []
    nodes = 0

    def ok_piece(i: int, j: int) -> bool:
        return (j - i == 1 or text[i] != "0") and not any(i < b < j for b in bounds)

    def walk(j: int, k: int, rem: int, acc: list[str]) -> bool:
        """Cut text[:j] into k numbers adding up to rem (acc: the numbers cut off so far, right first)."""
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or len(out) > MAX_SPLITS or nodes % 64 == 0 and not spend(64):
            return False
        if not lo[k][j] <= rem <= hi[k][j]:
            return True
        if k == h:  # the first h numbers: looked up, not searched
            if longest not in heads:
                if not spend(longest ** h):
                    return False
                heads[longest] = _head_cuts(text[:size - 1], h, longest, ok_piece)
            out.extend([*cut, *acc[::-1]] for cut in heads[longest].get((j, rem), ()))
            return True
        for i in range(j - 1, max(-1, j - 1 - MAX_CELL_DIGITS), -1):
            if any(i < b < j for b in bounds):
                break
            if not ok_piece(i, j):
                continue
            v = int(text[i:j])
            if v > rem:
                break
            acc.append(text[i:j])
            if not walk(i, k - 1, rem - v, acc):
                return False
            acc.pop()
        return True

    for start in range(max(last_start, size - MAX_CELL_DIGITS), size):
        if not ok_piece(start, size):
            continue
        longest = size - start
        if longest not in ranges:
            if not spend(size * n * longest):
                return None
            ranges[longest] = _prefix_ranges(text[:size - 1], n - 1, bounds, longest)
        lo, hi = ranges[longest]
        h = _head_size(n - 1, longest)
        if not walk(start, n - 1, int(text[start:]), []):
            return None
    return [[*o, text[len("".join(o)):]] for o in out] if len(out) <= MAX_SPLITS else None


def group_cuts(runs: list[str], groups: int, size: int) -> list[list[str]] | None:
    """Cuts of digit runs into `groups` groups of `size` numbers, the last of each group the sum of
    the others (table 4: three groups of upheld, corrected, other, pending and total). Each group's
    total is not searched but read off the text, so few steps are needed; None when the search is
    too long or finds more than MAX_SPLITS."""
    text = "".join(runs)
    size_all = len(text)
    bounds: set[int] = set()
    pos = 0
    for r in runs[:-1]:
        pos += len(r)
        bounds.add(pos)
    n = groups * size
    if size_all < n or size_all > n * MAX_CELL_DIGITS:
        return []
    out: list[list[str]] = []
    nodes = 0

    def piece_ok(i: int, j: int) -> bool:
        return j <= size_all and (j - i == 1 or text[i] != "0") and not any(i < b < j for b in bounds)

    def walk(i: int, k: int, part: int, acc: list[str]) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_GROUP_NODES or len(out) > MAX_SPLITS or nodes % 64 == 0 and not spend(64):
            return False
        left, pieces_left = size_all - i, n - len(acc)
        if left < pieces_left or left > pieces_left * MAX_CELL_DIGITS:
            return True
        if k == size - 1:
            t = str(part)
            j = i + len(t)
            if text.startswith(t, i) and piece_ok(i, j):
                acc.append(t)
                if len(acc) == n:
                    if j == size_all:
                        out.append(list(acc))
                elif not walk(j, 0, 0, acc):
                    return False
                acc.pop()
            return True
        for j in range(i + 1, min(size_all, i + MAX_CELL_DIGITS) + 1):
            if not piece_ok(i, j):
                if text[i] == "0" or any(i < b < j for b in bounds):
                    break
                continue
            acc.append(text[i:j])
            if not walk(j, k + 1, part + int(text[i:j]), acc):
                return False
            acc.pop()
        return True

    return out if walk(0, 0, 0, []) and len(out) <= MAX_SPLITS else None


def glued_readings(runs: list[str], n: int, *, total: bool = False) -> list[list[Token | None]] | None:
    """Ways to cut digit runs into n numbers in all. With total, only readings whose last number is
    the sum of the others. None when there are more than MAX_SPLITS (too many to decide between)."""
    extra = n - len(runs)
    if extra < 0 or any(len(r) > MAX_SPLIT_RUN for r in runs):
        return []
    if total:
        cuts = _total_cuts(runs, n)
        if cuts is None:
            return None
        return [[Token(p, int(p), "number") for p in c] for c in cuts]
    out: list[list[Token | None]] = []
    adds = _distribute(extra, [min(len(r), MAX_CELL_DIGITS * n) - 1 for r in runs])
    if len(adds) >= MAX_SPLITS:
        return None
    for add in adds:
        per = [_digit_splits(r, a + 1) for r, a in zip(runs, add, strict=True)]
        if any(p is None for p in per):
            return None
        if any(not p for p in per):
            continue
        for pieces in itertools.product(*per):  # type: ignore[arg-type]
            flat = [p for group in pieces for p in group]
            if total and sum(int(p) for p in flat[:-1]) != int(flat[-1]):
                continue
            out.append([Token(p, int(p), "number") for p in flat])
            if len(out) > MAX_SPLITS or not spend(len(flat)):
                return None
    return out


def _placements(slots: list[Token | None], n: int, *, blank: bool, total: bool) -> list[list[Token | None]]:
    """The given cells in order at any n positions; the others unknown (None) or blank. With blank
    and total, only placements where the last cell is the sum of the others: the total column holds
    the last number (or is blank, when all are zero)."""
    toks = [t for t in slots if t is not None]
    # A cell the text dropped is blank or 0: it counts as 0 either way (read as 0, as the rules would).
    fill: Token | None = DROPPED if blank else None
    positions = range(n)
    if blank and total and toks:
        vals = [t.value if t.kind == "number" else 0 for t in toks]
        if sum(vals[:-1]) == vals[-1]:  # type: ignore[operator]
            pass  # the last number is the total (or all are zero)
        elif sum(vals) == 0:  # type: ignore[arg-type]
            pass
        else:
            return []
    if not spend(math.comb(n, len(toks)) if len(toks) <= n else 1):
        return [[None] * n]
    out: list[list[Token | None]] = []
    seen: set[tuple] = set()
    for pos in itertools.combinations(positions, len(toks)):
        if blank and total and toks and pos[-1] != n - 1 and any(t.value for t in toks):
            continue
        r: list[Token | None] = [fill] * n
        for p, t in zip(pos, toks, strict=True):
            r[p] = t
        if blank:
            values = tuple(t.value if t is not None and t.kind == "number" else 0 for t in r)
            if values in seen:
                continue  # the same numbers in the same places: one reading
            seen.add(values)
        out.append(r)
        if len(out) > MAX_PLACEMENTS + MAX_SPLITS:
            # Too many to list: a truncated list would make its first positions look certain.
            return [[None] * n]
    return out


def _distribute(total: int, caps: list[int]) -> list[list[int]]:
    """All ways to give `total` extra cuts to runs with the given capacities (at most MAX_SPLITS)."""
    out: list[list[int]] = []

    def walk(i: int, left: int, acc: list[int]) -> None:
        if len(out) >= MAX_SPLITS:
            return
        if i == len(caps):
            if left == 0:
                out.append(acc)
            return
        if left > sum(caps[i:]):
            return
        for a in range(min(left, caps[i]) + 1):
            walk(i + 1, left - a, [*acc, a])

    walk(0, total, [])
    return out


def _row_total_ok(reading: list[Token | None]) -> bool:
    if any(t is None for t in reading):
        return True
    vals = [t.value if t.kind == "number" else 0 for t in reading]  # type: ignore[union-attr]
    return abs(sum(vals[:-1]) - vals[-1]) < 1e-6  # type: ignore[operator]


def add_row(read: TableRead, prefix: str, columns: tuple[str, ...], row: RawRow | list[RawRow], *,
            check_total: bool, col: int | None = None, glued: bool = True) -> None:
    """Record a row's readings under keys prefix.<column> (several rows: any one of them)."""
    rows = row if isinstance(row, list) else [row]
    row = rows[0]
    readings = []
    seen: set[tuple[Token | None, ...]] = set()
    for r in rows:
        found, exact = row_readings(r, len(columns), col, glued=glued)
        read.exact = read.exact and exact
        for reading in found:
            if tuple(reading) not in seen:
                seen.add(tuple(reading))
                readings.append(reading)
    if len(readings) > 1:
        read.resolved[prefix] = row
    if len(readings) > 1 and check_total:
        ok = [r for r in readings if _row_total_ok(r)]
        if ok:
            readings = ok
    keys = [f"{prefix}.{c}" for c in columns]
    for k in keys:
        read.origin[k] = row
    if len(readings) == 1:
        for k, t in zip(keys, readings[0], strict=True):
            read.base[k] = t
    else:
        read.choices.append([dict(zip(keys, r, strict=True)) for r in readings])


# --------------------------------------------------------------------------- table 3


def _match_s3(label: str) -> list[str]:
    item_label = GROUP_NOISE.sub("", label)
    return [k for k in S3_ROWS if S3_ROW_PATTERNS[k].search(item_label if k != "results_total" else label)]


def row_prefix(read: TableRead, key: str) -> str:
    """The key prefix of table 3's row `key` (a subtotal row's own), noting the row as read."""
    if key.startswith("sub."):
        read.subtotals.add(key[4:])
        return subtotal_key(key[4:], "x")[:-2]
    read.rows.add(key)
    return f"s3.{key}"


def read_table3(lines: list[Line], start: int, end: int) -> TableRead:
    read = TableRead()
    rows = collect_rows(lines, start, end)
    # Header: the lines between the heading and the first row with numbers.
    first = rows[0].index if rows else end
    header = "".join(squash(lines[i].text) for i in range(start, first))
    if not rows or not (S3_HEADER_HINT.search(header) or any(_match_s3(r.full_label) for r in rows[:3])):
        return read
    read.found = True
    header_total = "总计" in header
    counts = [len([t for t in r.slots if t.kind != "blank"]) for r in rows if not r.empty]
    common = max(set(counts), key=counts.count) if counts else 0
    read.has_total = header_total or common >= 7
    columns = S3_COLUMNS if read.has_total else S3_APPLICANT_COLUMNS
    col = column_start(lines, start, first, _PERSON)
    pos = 0
    matched: list[tuple[str, RawRow]] = []
    for row in rows:
        key = _pick(row, pos)
        if key is None:
            if not row.empty:
                read.notes.append(("unmatched-row", row))
            continue
        if key.startswith("sub."):
            matched.append((key, row))
            continue
        pos = S3_ROWS.index(key) + 1
        matched.append((key, row))
    items_other = any(k.startswith("other.") for k, _ in matched)
    grouped: dict[str, list[RawRow]] = {}
    for key, row in matched:
        if key == "sub.other" and not items_other:
            key = "other.all"  # the 2019 试行 format: one row for （六）其他处理
            read.fmt_hint = "2019"
        elif key.startswith("sub.") and row.empty:
            continue  # a group's header row of blanks, above its items
        if key in grouped:
            read.notes.append(("duplicate-row", row))
        grouped.setdefault(key, []).append(row)
    for key, same in grouped.items():
        prefix = row_prefix(read, key)
        # A row that appears twice (a repeated page header, a stray line): the arithmetic chooses.
        add_row(read, prefix, columns, same, check_total=bool(read.has_total), col=col)
    if items_other and read.fmt_hint is None:
        read.fmt_hint = "2021"
    return read


def _pick(row: RawRow, pos: int) -> str | None:
    """The canonical row a table row is, preferring the next one expected in the official order."""
    if row.empty and not row.label:
        return None
    labels = (row.label,) if row.empty else (row.label, row.full_label, row.long_label, row.full_label + row.after)
    for label in labels:
        if not label:
            continue
        hits = _match_s3(label)
        if hits:
            ahead = [k for k in hits if S3_ROWS.index(k) >= pos]
            return ahead[0] if ahead else hits[0]
        # A row of blanks under a group label is a group header, except （六）其他处理: in the 2019
        # format that is the single row of its group, left blank when nothing was handled so.
        groups = [g for g, pat in S3_GROUP_PATTERNS.items()
                  if pat.search(label) and (not row.empty or g == "other")]
        if groups and label is row.label or groups and not row.label:
            return f"sub.{groups[-1]}"
    return None


# --------------------------------------------------------------------------- table 2


S2_2021_COLUMNS: dict[str, tuple[str, ...]] = {
    "rules": ("issued", "repealed", "in_force"),
    "normative": ("issued", "repealed", "in_force"),
}
S2_2019_COLUMNS: dict[str, tuple[str, ...]] = {
    "rules": ("made", "published", "total_public"),
    "normative": ("made", "published", "total_public"),
    "licensing": ("prev", "change", "decisions"),
    "other_services": ("prev", "change", "decisions"),
    "punishment": ("prev", "change", "decisions"),
    "coercion": ("prev", "change", "decisions"),
    "fees": ("prev", "change"),
    "procurement": ("count", "amount"),
}


def read_table2(lines: list[Line], start: int, end: int) -> TableRead:
    read = TableRead()
    text = "".join(squash(lines[i].text) for i in range(start, end))
    fmt = "2019" if S2_2019_HINT.search(text) and not S2_2021_HINT.search(text) else "2021"
    read.fmt_hint = fmt if (S2_2019_HINT.search(text) or S2_2021_HINT.search(text)) else None
    col = column_start(lines, start, end, _T2_VALUES)
    if col is not None:
        col = max(1, col)
    # Digits of a line are not cut apart here (nothing would check the cut: a number on a line of
    # its own may be the first of a row's cells, one per line); the label reading does it in crawls.
    for row in collect_rows(lines, start, end):
        label = row.label or row.full_label
        name = next((n for n, pat in S2_ROW_PATTERNS.items() if pat.search(label)), None)
        if name is None or name in read.rows:
            continue
        read.rows.add(name)
        read.found = True
        if fmt == "2021":
            if name in S2_2021_COLUMNS:
                add_row(read, f"s2.{name}", S2_2021_COLUMNS[name], row, check_total=False, col=col, glued=False)
            elif name in ("licensing", "punishment", "coercion", "fees"):
                readings, exact = row_readings(row, 1, col)
                read.exact = read.exact and exact
                read.base[f"s2.{name}"] = readings[0][0] if len(readings) == 1 else None
                read.origin[f"s2.{name}"] = row
        else:
            cols = S2_2019_COLUMNS[name]
            add_row(read, f"s2.v2019.{name}", cols, row, check_total=False, col=col, glued=False)
            if name in ("licensing", "punishment", "coercion"):
                # 处理决定数量 has the same meaning as the 2021 key.
                src = f"s2.v2019.{name}.decisions"
                read.origin[f"s2.{name}"] = row
                read.base[f"s2.{name}"] = read.base.pop(src, None)
                read.origin.pop(src, None)
    return read


# --------------------------------------------------------------------------- table 4


def put_table4(read: TableRead, keys: list[str], row: RawRow, readings: list[list[Token | None]]) -> bool:
    """Table 4's one row as read: its readings narrowed to those whose groups add up (when any do);
    a single reading is certain, several are choices for the solver. True when they are choices."""
    if len(readings) > 1:
        readings = [r for r in readings if _groups_ok(r)] or readings
    for k in keys:
        read.origin[k] = row
    if len(readings) == 1:
        read.base.update(dict(zip(keys, readings[0], strict=True)))
        return False
    if readings:
        read.choices.append([dict(zip(keys, r, strict=True)) for r in readings])
    return bool(readings)


def read_table4(lines: list[Line], start: int, end: int) -> TableRead:
    read = TableRead()
    rows = collect_rows(lines, start, end)
    keys = [f"s4.{g}.{o}" for g in S4_GROUPS for o in S4_OUTCOMES]
    # The data row: all value tokens after the header, up to 15 (they may wrap over lines).
    merged: list[Token] = []
    used: list[RawRow] = []
    for row in rows:
        if row.empty and (row.label or len(row.slots) < 15):
            continue
        vals = [t for t in row.slots if t.kind != "blank"] if not row.structured else row.slots
        if row.structured and len(row.slots) > 15:
            vals = row.slots[-15:]
        merged.extend(vals)
        used.append(row)
        if len([t for t in merged if t.kind != "blank"]) >= 15 or len(merged) >= 15:
            break
    if not used:
        return read
    read.found = True
    first = used[0]
    aligned = _aligned(first, 15, 0) if len(used) == 1 and not first.label and not first.structured else None
    if aligned is not None:
        merged = aligned  # tab-separated: the blanks keep their columns
    combined = RawRow(label="", before="", slots=merged,
                      structured=aligned is not None or all(r.structured for r in used),
                      page=first.page, line=first.line, index=first.index,
                      raw=" / ".join(r.raw for r in used))
    readings, exact = row_readings(combined, 15)
    later = rows[rows.index(used[-1]) + 1:]
    if len(used) > 1 and any(not r.empty for r in later):
        # The row was put together from several lines and more numbers follow: where it ends (a
        # number split over lines, a stray figure) is not known here.
        readings, exact = [[None] * 15], False
    read.exact = exact
    put_table4(read, keys, combined, readings)
    read.rows = set(S4_GROUPS)
    return read


def _groups_ok(reading: list[Token | None]) -> bool:
    return all(_row_total_ok(reading[i * 5:(i + 1) * 5]) for i in range(3))
