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

from reports.budget import spend
from reports.relations import Relation
from reports.text import Token

MAX_COMBINATIONS = 4096
MAX_SUMS = 20_000
MAX_PRUNE = 200_000  # partial sums tried at most when pruning one relation
MAX_WORK = 40_000  # combinations tried × relations, at most (bounds the time of one table)

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
    out_of_work: bool = False  # max_work ran out: a larger budget might read more


def _close(a: Number, b: Number) -> bool:
    return abs(a - b) < 1e-6


def propagate(values: dict[str, Number | None], relations: list[Relation]) -> set[str]:
    """Fill unknown (None) values that the relations determine. Returns the keys filled."""
    filled: set[str] = set()
    active = [(rel.lhs, rel.rhs) for rel in relations
              if all(k in values for k in rel.lhs) and all(k in values for k in rel.rhs)]
    changed = True
    while changed and active:
        changed = False
        still = []
        for lhs, rhs in active:
            unknown_l = [k for k in lhs if values[k] is None]
            unknown_r = [k for k in rhs if values[k] is None]
            if not unknown_l and not unknown_r:
                continue  # all known: nothing more to learn from it
            known = sum(values[k] or 0 for k in lhs) - sum(values[k] or 0 for k in rhs)
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
            else:
                still.append((lhs, rhs))
        active = still
    return filled


def _terms(rel: Relation) -> list[tuple[str, int]]:
    return [(k, 1) for k in rel.lhs] + [(k, -1) for k in rel.rhs]


def prune(base: dict[str, Token | None], choices: list[list[dict[str, Token | None]]],
          relations: list[Relation]) -> list[list[dict[str, Token | None]]]:
    """Drop readings of a row that no reading of the other rows can make add up (arc consistency
    over the relations). Readings with unknown cells are never dropped."""
    choices = [list(c) for c in choices]
    budget = MAX_PRUNE  # sums formed in all: pruning is an optimisation, it stops when this is spent
    owner = {key: i for i, ch in enumerate(choices) for key in ch[0]}
    changed = True
    while changed:
        changed = False
        for rel in relations:
            known: Number = 0
            groups: dict[int, list[tuple[str, int]]] = {}
            usable = True
            for k, coef in _terms(rel):
                if k in owner:
                    groups.setdefault(owner[k], []).append((k, coef))
                elif k in base and base[k] is not None:
                    known += coef * arith(base[k])  # type: ignore[arg-type]
                else:
                    usable = False
                    break
            if not usable or not groups:
                continue
            contrib: dict[int, list[Number]] = {}
            for gi, kc in groups.items():
                if any(cand[k] is None for cand in choices[gi] for k, _ in kc):
                    usable = False
                    break
                if not spend(len(choices[gi]) * len(kc)):
                    return choices  # the document's budget is spent: pruning only saves work
                contrib[gi] = [sum(c * arith(cand[k]) for k, c in kc) for cand in choices[gi]]  # type: ignore[arg-type]
            if not usable:
                continue
            for gi in groups:
                sums: set[Number] | None = {0}
                for g in groups:
                    if g == gi:
                        continue
                    others = set(contrib[g])
                    cost = len(sums) * len(others)  # type: ignore[arg-type]
                    budget -= cost
                    if cost > MAX_SUMS or budget < 0:
                        sums = None
                        break
                    sums = {a + b for a in sums for b in others}  # type: ignore[union-attr]
                    if len(sums) > MAX_SUMS:
                        sums = None
                        break
                if sums is None:
                    continue
                keep = [i for i, v in enumerate(contrib[gi]) if -(known + v) in sums]
                if keep and len(keep) < len(choices[gi]):
                    choices[gi] = [choices[gi][i] for i in keep]
                    contrib[gi] = [contrib[gi][i] for i in keep]
                    changed = True
    return choices


def violated(values: dict[str, Number | None], relations: list[Relation]) -> list[Relation]:
    """The relations whose values are all known and do not add up."""
    out = []
    get = values.get
    for rel in relations:
        lv = [get(k) for k in rel.lhs]
        rv = [get(k) for k in rel.rhs]
        if None in lv or None in rv:
            continue
        if not _close(sum(lv), sum(rv)):  # type: ignore[arg-type]
            out.append(rel)
    return out


def solve(
    base: dict[str, Token | None],
    choices: list[list[dict[str, Token | None]]],
    relations: list[Relation],
    max_work: int = MAX_WORK,
) -> Solution:
    """The reading of a table that satisfies its relations best (see the module doc). max_work
    bounds the combinations tried × relations each: beyond it, rows still ambiguous stay unread."""
    ambiguous_keys = {k for ch in choices for k in ch[0]}
    choices = prune(base, choices, relations)
    combos_n = 1
    for c in choices:
        combos_n *= max(1, len(c))
    if combos_n > MAX_COMBINATIONS:
        # Too many readings to try: the rows still ambiguous stay unread.
        choices = [c if len(c) == 1 else [{k: None for k in c[0]}] for c in choices]
    results: list[tuple[int, dict[str, Number | None], dict[str, Token | None], set[str]]] = []
    # Every combination starts from the same base: the relations that only use base cells, and the
    # deductions they allow, are the same for all of them, so each combination only redoes the
    # relations that touch a row it chose.
    base_values: dict[str, Number | None] = {k: (arith(t) if t is not None else None) for k, t in base.items()}
    # In the choices' order, not a set's: the cells' order (the findings', the JSON's) must not
    # change with the hash seed from one run to the next.
    chosen = dict.fromkeys(k for ch in choices for k in ch[0])
    for k in chosen:
        base_values.setdefault(k, None)
    # What the base alone gives is the same for every combination: deduce it once, and count once
    # the relations it settles; each combination redoes only the relations that touch a cell it
    # chose or a cell still unknown.
    static = [r for r in relations if not any(k in chosen for k in r.keys)]
    static_filled = propagate(base_values, static)
    unknown = {k for k, v in base_values.items() if v is None} | chosen.keys()
    dynamic = [r for r in relations if any(k in unknown for k in r.keys)]
    fixed = [r for r in relations if not any(k in unknown for k in r.keys)]
    fixed_violations = len(violated(base_values, fixed))
    cost = 1 + sum(len(r.keys) for r in dynamic)  # steps of one combination (the document's budget)
    for combo in itertools.product(*choices) if choices else [()]:
        tokens: dict[str, Token | None] = dict(base)
        values = dict(base_values)
        for cand in combo:
            tokens.update(cand)
            for k, t in cand.items():
                values[k] = arith(t) if t is not None else None
        filled = propagate(values, dynamic) | static_filled
        results.append((fixed_violations + len(violated(values, dynamic)), values, tokens, filled))
        if combos_n > 1 and (len(results) * max(1, len(dynamic)) > max_work or not spend(cost)):
            # Out of budget: the rows still ambiguous stay unread.
            sol = solve(base, [c if len(c) == 1 else [{k: None for k in c[0]}] for c in choices], relations)
            sol.out_of_work = True
            return sol
    best = min(r[0] for r in results)
    winners = [r for r in results if r[0] == best]
    sol = Solution(violations=best)
    first_values, first_tokens, first_filled = winners[0][1], winners[0][2], winners[0][3]
    # Where the table does not add up under any reading, what was guessed or deduced next to the
    # failing relations cannot be trusted: those cells are left unread.
    suspect: set[str] = set()
    if best > 0:
        for rel in violated(first_values, relations):
            suspect |= {k for k in rel.keys if k in ambiguous_keys or k in first_filled}
    for key in first_values:
        vals = {r[1][key] for r in winners}
        agree = len(vals) == 1 and key not in suspect
        sol.values[key] = first_values[key] if agree else None
        sol.tokens[key] = first_tokens[key] if agree else None
        sol.certain[key] = agree and first_values[key] is not None
        if agree and key in first_filled:
            sol.derived.add(key)
    return sol
