"""The engine's searches for cuts of glued digits and rejoins of split numbers against the plain
exhaustive search of tests/engine/glued.py: the same readings whenever the engine gives an answer
(it may give up, None, past its bounds; never a wrong or a partial list)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reports.tables import _total_cuts, group_cuts, joined_readings
from reports.text import Token
from tests.engine.glued import MAX_DIGITS, row_readings

_SIZES = st.sampled_from((0, 1, 2, 3, 9, 40, 400, 5000, 80000))


def _row(rng: random.Random, n: int, top: int) -> list[int]:
    cells = [rng.choice((0, 0, rng.randint(0, top))) for _ in range(n - 1)]
    return [*cells, sum(cells)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), top=_SIZES, spaces=st.integers(0, 3))
@example(seed=0, top=80000, spaces=0)  # a long row of large numbers
def test_total_cuts_are_every_cut_that_adds_up(seed: int, top: int, spaces: int) -> None:
    rng = random.Random(seed)
    row = _row(rng, 7, top)
    gaps = sorted(rng.sample(range(1, 7), spaces))
    runs, start = [], 0
    for g in [*gaps, 7]:
        runs.append("".join(map(str, row[start:g])))
        start = g
    got = _total_cuts(runs, 7)
    pieces: list[str] = []  # every digit; a space after a run's last digit ends a number there
    for r in runs:
        pieces += list(r)
        pieces[-1] += " "
    want = row_readings(pieces, 7, total=True)
    if got is None or want is None:
        return
    assert sorted(tuple(map(int, c)) for c in got) == sorted(want)
    assert tuple(row) in {tuple(map(int, c)) for c in got}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), top=_SIZES)
def test_group_cuts_are_every_cut_whose_groups_add_up(seed: int, top: int) -> None:
    rng = random.Random(seed)
    row = [x for _ in range(3) for x in _row(rng, 5, top)]
    got = group_cuts(["".join(map(str, row))], 3, 5)
    if got is None:
        return
    assert tuple(row) in {tuple(map(int, c)) for c in got}
    for c in got:
        values = list(map(int, c))
        assert all(sum(values[g * 5:g * 5 + 4]) == values[g * 5 + 4] for g in range(3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), top=_SIZES, odds=st.sampled_from((0.2, 0.5, 1.0)))
def test_joins_with_totals_are_every_rejoin_that_adds_up(seed: int, top: int, odds: float) -> None:
    """Table 4's fifteen cells, one per line, some numbers split over two lines."""
    rng = random.Random(seed)
    row = [x for _ in range(3) for x in _row(rng, 5, top)]
    toks: list[Token] = []
    pieces: list[str] = []
    for v in row:
        s = str(v)
        if len(s) > 1 and rng.random() < odds:
            cut = rng.randint(1, len(s) - 1)
            parts = [s[:cut], s[cut:]]
        else:
            parts = [s]
        toks += [Token(p, int(p), "number") for p in parts]
        pieces += parts
    if len(toks) == 15:
        return
    got = joined_readings(toks, 15, size=5)
    if got is None:
        return
    readings = {tuple(t.value for t in r if t is not None) for r in got}
    assert tuple(row) in readings
    # The oracle's readings of the same pieces, the groups' totals required.
    want = {c for c in _group_oracle(pieces)}
    assert readings == want


def _group_oracle(pieces: list[str]) -> set[tuple[int, ...]]:
    out: set[tuple[int, ...]] = set()

    def walk(i: int, acc: list[int]) -> None:
        if len(acc) == 15:
            if i == len(pieces):
                out.add(tuple(acc))
            return
        for j in range(i + 1, len(pieces) + 1):
            group = pieces[i:j]
            if len(group) > 1 and (group[0].startswith("0") or sum(map(len, group)) > MAX_DIGITS):
                break
            v = int("".join(group))
            if len(acc) % 5 == 4 and v != sum(acc[-4:]):
                continue
            walk(j, [*acc, v])

    walk(0, [])
    return out
