"""What numbers run together leave undetermined: an oracle for the one-line and the split families,
independent of the engine.

A row of table 3 or 4 written with its digits glued ("3001530061431 19"), or with numbers broken over
lines ("1" then "2" for 12), can often be read in more than one way that adds up. A row is given as
its *pieces* as the text shows them: digit strings that may join their neighbours into one number
(one digit each for glued digits; the parts of a broken number), and cells that never join (a blank
or a zero marker, as ""). A piece that ends with a space joins nothing after it (a space the text
keeps between two cells). A figure is knowable when every reading of every row that satisfies the
table's arithmetic (each row's 总计 the sum of its cells, FORMAT.md rules 1 and 2 for every column,
rule 4 for table 4's groups) gives it the same value. Figures that are not knowable may be left null
by a correct reading. The search is exhaustive within a bound; past it the rows concerned count as
not knowable (so the oracle never demands more than the text determines).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from reports.model import S3_APPLICANT_COLUMNS, S3_COLUMNS, S4_GROUPS, S4_OUTCOMES
from tests.docgen import s3_rows

MAX_NODES = 200_000  # search steps for one row
MAX_CUTS = 5_000  # readings of one row kept
MAX_COMBOS = 200_000  # combinations of the ambiguous rows of table 3 tried
MAX_DIGITS = 9  # a count has no more digits than this

Pieces = Sequence[str]


def _number(pieces: Pieces) -> int | None:
    """The number some neighbouring pieces make together; None when they cannot be one number."""
    if len(pieces) == 1:
        return int(pieces[0]) if pieces[0].strip() else 0
    if any(not p.strip() or p.endswith(" ") for p in pieces[:-1]) or not pieces[-1].strip() \
            or pieces[0].startswith("0") or sum(len(p.strip()) for p in pieces) > MAX_DIGITS:
        return None
    return int("".join(pieces))


def _groups(pieces: Pieces, k: int, rem: int | None, nodes: list[int]) -> list[list[int]] | None:
    """Readings of the pieces as k numbers (adding up to rem when given)."""
    out: list[list[int]] = []
    digits_after = [sum(len(p.strip()) for p in pieces[i:]) for i in range(len(pieces) + 1)]

    def walk(i: int, k: int, rem: int | None, acc: list[int]) -> bool:
        nodes[0] += 1
        if nodes[0] > MAX_NODES or len(out) > MAX_CUTS:
            return False
        left = len(pieces) - i
        if k == 0:
            if left == 0 and (rem is None or rem == 0):
                out.append(list(acc))
            return True
        if left < k or rem is not None and digits_after[i] > k * len(str(rem)):
            return True
        for j in range(i + 1, len(pieces) - (k - 1) + 1):
            v = _number(pieces[i:j])
            if v is None:
                break
            if rem is not None and v > rem:
                break
            acc.append(v)
            ok = walk(j, k - 1, None if rem is None else rem - v, acc)
            acc.pop()
            if not ok:
                return False
        return True

    return out if walk(0, k, rem, []) else None


def row_readings(pieces: Pieces, n: int, *, total: bool) -> list[tuple[int, ...]] | None:
    """Every reading of a row's pieces as n numbers (with total: the last the sum of the others).
    None past the bound."""
    nodes = [0]
    if not total:
        found = _groups(pieces, n, None, nodes)
        return None if found is None else [tuple(c) for c in found]
    out: list[tuple[int, ...]] = []
    for t in range(1, len(pieces)):
        last = _number(pieces[len(pieces) - t:])
        if last is None:
            continue
        found = _groups(pieces[:len(pieces) - t], n - 1, last, nodes)
        if found is None:
            return None
        out += [(*c, last) for c in found]
    return out


def digits(values: Sequence[int], spaced: Sequence[bool] = ()) -> list[str]:
    """A row's numbers glued together: one piece per digit; spaced[i]: a space after the i-th number."""
    out: list[str] = []
    for i, v in enumerate(values):
        out += list(str(v))
        if i < len(spaced) and spaced[i]:
            out[-1] += " "
    return out


def _differ(keys: list[str], solutions: list[tuple[int, ...]]) -> set[str]:
    """The keys whose value differs between solutions."""
    return {k for i, k in enumerate(keys) if len({s[i] for s in solutions}) > 1}


def row_unknowable(keys: list[str], pieces: Pieces, zero_at: int | None = None) -> set[str]:
    """Keys of a row with no arithmetic (table 2) that its pieces leave undetermined; zero_at: the
    cell known to be a lone 0 (a 2019 row's unsigned 本年增/减, which the format signs when not 0)."""
    found = row_readings(pieces, len(keys), total=False)
    if found and zero_at is not None:
        found = [s for s in found if s[zero_at] == 0]
    return set(keys) if not found else _differ(keys, found)


def table3_unknowable(rows: dict[str, Pieces], fmt: str, total_column: bool) -> set[str]:
    """Keys of table 3 that its rows, as pieces (row key -> pieces), leave undetermined."""
    names = s3_rows(fmt)
    cols = S3_COLUMNS if total_column else S3_APPLICANT_COLUMNS
    alts: dict[str, list[tuple[int, ...]]] = {}
    unknown: set[str] = set()
    for row in names:
        found = row_readings(rows[row], len(cols), total=total_column)
        if not found:  # past the bound (never empty: the true reading is one)
            unknown |= {f"s3.{row}.{c}" for c in cols}
            found = [(0,) * len(cols)]
        alts[row] = found
    ambiguous = [r for r in names if len(alts[r]) > 1]
    n = 1
    for r in ambiguous:
        n *= len(alts[r])
    if n > MAX_COMBOS:
        return unknown | {f"s3.{r}.{c}" for r in ambiguous for c in cols}
    items = names[2:-2]
    fixed = {r: alts[r][0] for r in names if r not in ambiguous}
    good: list[tuple[int, ...]] = []
    for combo in itertools.product(*(alts[r] for r in ambiguous)):
        v = {**fixed, **dict(zip(ambiguous, combo, strict=True))}
        if all(v["new"][j] + v["carried_in"][j] == v["results_total"][j] + v["carried_out"][j]
               and v["results_total"][j] == sum(v[r][j] for r in items) for j in range(len(cols))):
            good.append(tuple(x for r in ambiguous for x in v[r]))
    keys = [f"s3.{r}.{c}" for r in ambiguous for c in cols]
    return unknown | _differ(keys, good)


def table4_unknowable(pieces: Pieces) -> set[str]:
    """Keys of table 4 that its one row, as pieces (three groups, each closed by its total), leaves
    undetermined."""
    keys = [f"s4.{g}.{o}" for g in S4_GROUPS for o in S4_OUTCOMES]
    out: list[tuple[int, ...]] = []
    nodes = 0

    def walk(i: int, acc: list[int]) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or len(out) > MAX_CUTS:
            return False
        if len(acc) == 15:
            if i == len(pieces):
                out.append(tuple(acc))
            return True
        if len(pieces) - i < 15 - len(acc):
            return True
        for j in range(i + 1, len(pieces) + 1):
            v = _number(pieces[i:j])
            if v is None:
                break
            if len(acc) % 5 == 4 and v != sum(acc[-4:]):  # the group's total
                continue
            acc.append(v)
            ok = walk(j, acc)
            acc.pop()
            if not ok:
                return False
        return True

    return set(keys) if not walk(0, []) else _differ(keys, out)
