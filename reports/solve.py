"""Deciding how to read cells the text does not place with certainty, using the table's own arithmetic.

A table arrives as `base` (cells read with certainty, or None where a cell of a found row is missing)
and `choices` (for rows that can be read more than one way — digits glued together, too few numbers —
the list of possible readings). Every combination is tried against the relations; a cell is certain
when all readings that satisfy the arithmetic agree on it. Missing cells are deduced where the
relations pin them down: an equation with one unknown, or unknowns that must all be zero because
counts are never negative.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from reports.relations import Relation
from reports.text import Token

MAX_COMBINATIONS = 4096

Number = int | float


def arith(tok: Token) -> Number:
    """The value a cell contributes to the arithmetic: blanks and zero markers count as 0."""
    return tok.value if tok.kind == "number" and tok.value is not None else 0


@dataclass
class Solution:
    values: dict[str, Number | None] = field(default_factory=dict)  # arithmetic value; None = unknown
    tokens: dict[str, Token | None] = field(default_factory=dict)  # the token read (None = deduced/unknown)
    certain: dict[str, bool] = field(default_factory=dict)
    derived: set[str] = field(default_factory=set)  # deduced from the arithmetic, not read
    violations: int = 0


def _close(a: Number, b: Number) -> bool:
    return abs(a - b) < 1e-6


def propagate(values: dict[str, Number | None], relations: list[Relation]) -> set[str]:
    """Fill unknown (None) values that the relations determine. Returns the keys filled."""
    filled: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if any(k not in values for k in rel.keys):
                continue
            unknown_l = [k for k in rel.lhs if values[k] is None]
            unknown_r = [k for k in rel.rhs if values[k] is None]
            if not unknown_l and not unknown_r:
                continue
            known = sum(values[k] or 0 for k in rel.lhs) - sum(values[k] or 0 for k in rel.rhs)
            if len(unknown_l) + len(unknown_r) == 1:
                (k,) = unknown_l or unknown_r
                v = -known if unknown_l else known
                if v < 0:
                    continue  # inconsistent: leave unknown, the caller counts it as unreadable
                values[k] = int(round(v)) if _close(v, round(v)) else v
                filled.add(k)
                changed = True
            elif not unknown_l and _close(known, 0) or not unknown_r and _close(known, 0):
                # All unknowns on one side and they must add up to 0: counts are never negative.
                for k in unknown_l + unknown_r:
                    values[k] = 0
                    filled.add(k)
                changed = True
    return filled


def count_violations(values: dict[str, Number | None], relations: list[Relation]) -> int:
    bad = 0
    for rel in relations:
        if any(values.get(k) is None for k in rel.keys):
            continue
        if not _close(sum(values[k] for k in rel.lhs), sum(values[k] for k in rel.rhs)):  # type: ignore[misc]
            bad += 1
    return bad


def solve(
    base: dict[str, Token | None],
    choices: list[list[dict[str, Token | None]]],
    relations: list[Relation],
) -> Solution:
    combos_n = 1
    for c in choices:
        combos_n *= max(1, len(c))
    if combos_n > MAX_COMBINATIONS:
        # Too many readings to try: every ambiguous row stays unread.
        choices = [c if len(c) == 1 else [{k: None for k in c[0]}] for c in choices]
    results: list[tuple[int, dict[str, Number | None], dict[str, Token | None], set[str]]] = []
    for combo in itertools.product(*choices) if choices else [()]:
        tokens: dict[str, Token | None] = dict(base)
        for cand in combo:
            tokens.update(cand)
        values: dict[str, Number | None] = {k: (arith(t) if t is not None else None) for k, t in tokens.items()}
        filled = propagate(values, relations)
        results.append((count_violations(values, relations), values, tokens, filled))
    best = min(r[0] for r in results)
    winners = [r for r in results if r[0] == best]
    sol = Solution(violations=best)
    ambiguous = len(results) > 1
    pool = winners if best == 0 else results
    first_values, first_tokens = winners[0][1], winners[0][2]
    for key in first_values:
        vals = {r[1][key] for r in pool}
        toks = {None if r[2][key] is None else r[2][key].raw for r in pool}
        agree = len(vals) == 1 and (len(toks) == 1 or best == 0)
        sol.values[key] = first_values[key] if agree else None
        sol.tokens[key] = first_tokens[key] if agree else None
        sol.certain[key] = agree and first_values[key] is not None and (best == 0 or not ambiguous or len(vals) == 1)
        if agree and key in winners[0][3]:
            sol.derived.add(key)
    return sol
