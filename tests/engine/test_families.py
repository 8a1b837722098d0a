"""Every layout family × every figure set × seeds (tests/engine/families.py): the engine must never
give a wrong figure, and should read the whole set, the agency and the year.

`test_no_wrong_figure` must always hold: a figure the engine gives (not null) is the true one. It is
never xfailed. `test_full_reading` is the goal: every figure, the agency and the year. Families the
engine cannot read fully yet are listed in KNOWN_FAILING; remove a family's entry when it reads.

More seeds: NIANBAO_FAMILY_SEEDS=5 (default 1 seed per family and set; each case still draws its
own variation from family, set and seed).
"""

from __future__ import annotations

import functools
import json
import os
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reports
from reports.model import S3_COLUMNS, S4_GROUPS, S4_OUTCOMES, Report
from tests.docgen import s3_rows
from tests.engine.families import FAMILIES, FigureSet, Rendering, figure_sets, random_set, render
from tests.engine.helpers import SAMPLES

# Families whose full reading fails today (the "full set" assertion only): family -> what is missing.
KNOWN_FAILING: dict[str, str] = {}

SEEDS = tuple(range(1, 1 + int(os.environ.get("NIANBAO_FAMILY_SEEDS", "1"))))
SETS: list[FigureSet] = figure_sets(random_seeds=(11,))
# Word files take long to build: the samples and one random set of each kind, not every seed.
_SLOW = {"docx": 6}


def _cases() -> list[tuple[str, str, int]]:
    out = []
    for fam in FAMILIES:
        sets = SETS if fam not in _SLOW else SETS[:: max(1, len(SETS) // _SLOW[fam])]
        out += [(fam, fs.name, seed) for fs in sets for seed in SEEDS]
    return out


CASES = _cases()
_BY_NAME = {fs.name: fs for fs in SETS}


@functools.cache
def _checked(fam: str, name: str, seed: int) -> tuple[Rendering, Report]:
    r = render(fam, _BY_NAME[name], seed)
    return r, reports.check(r.data, r.filename)


def _wrong(r: Rendering, rep: Report) -> dict[str, tuple]:
    """Figures the engine gives that are not the truth: key -> (truth, given). A cell the report
    leaves blank or lacks may be given its value (0 for a blank, the row's sum for a 总计 column the
    report does not print), never another; a key the format does not have must stay null."""
    out: dict[str, tuple] = {}
    figures = rep.figures
    for key in set(r.truth) | set(figures):
        got = figures.get(key)
        if got is None:
            continue
        want = r.truth.get(key)
        if want == got or (want is None and got == r.values.get(key)):
            continue
        out[key] = (want, got)
    return out


def _ids(case: tuple[str, str, int]) -> str:
    return "-".join(map(str, case))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_no_wrong_figure(case: tuple[str, str, int]) -> None:
    r, rep = _checked(*case)
    assert _wrong(r, rep) == {}


def _full_params() -> list:
    return [pytest.param(c, marks=pytest.mark.xfail(strict=False, reason=KNOWN_FAILING[c[0]]))
            if c[0] in KNOWN_FAILING else c for c in CASES]


@pytest.mark.parametrize("case", _full_params(), ids=_ids)
def test_full_reading(case: tuple[str, str, int]) -> None:
    r, rep = _checked(*case)
    got = {k: rep.figures.get(k) for k in r.truth if k not in r.unknowable}
    assert got == {k: v for k, v in r.truth.items() if k not in r.unknowable}
    assert (rep.agency, rep.year) == (r.agency, r.year)


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_matrix_covers_every_family_and_sample() -> None:
    assert {c[0] for c in CASES} == set(FAMILIES)
    names = {fs.name for fs in SETS}
    assert {"huaian-2024", "lingbao-2023", "xinxiang-2023", "pingtan-2019", "pingtan-2022", "shanghai-stcsm-2024",
            "shanghai-gov-office-2025", "shuyang-2025", "shuyang-fgj-2023"} <= names
    assert set(KNOWN_FAILING) <= set(FAMILIES)


def _balanced(fs: FigureSet) -> list[str]:
    """Relations of FORMAT.md rules 1–4 that the set's figures break (none for a valid set)."""
    f = fs.figures
    items = s3_rows(fs.fmt)[2:-2]
    broken = []
    for col in S3_COLUMNS:
        if f[f"s3.new.{col}"] + f[f"s3.carried_in.{col}"] != f[f"s3.results_total.{col}"] + f[f"s3.carried_out.{col}"]:
            broken.append(f"rule 1 {col}")
        if f[f"s3.results_total.{col}"] != sum(f[f"s3.{i}.{col}"] for i in items):
            broken.append(f"rule 2 {col}")
    for row in s3_rows(fs.fmt):
        if f[f"s3.{row}.total"] != sum(f[f"s3.{row}.{c}"] for c in S3_COLUMNS[:-1]):
            broken.append(f"rule 3 {row}")
    for g in S4_GROUPS:
        if f[f"s4.{g}.total"] != sum(f[f"s4.{g}.{o}"] for o in S4_OUTCOMES[:-1]):
            broken.append(f"rule 4 {g}")
    broken += [k for k, v in f.items() if not k.endswith(".change") and v < 0]
    return broken


@pytest.mark.parametrize("fs", SETS, ids=lambda fs: fs.name)
def test_figure_sets_are_balanced_and_keep_the_samples(fs: FigureSet) -> None:
    assert _balanced(fs) == []
    assert all(fs.figures[k] == 0 for k in fs.blank)
    path = SAMPLES / f"{fs.name}.expected.json"
    if path.exists():
        exp = json.loads(path.read_text(encoding="utf-8"))
        assert (fs.agency, fs.year) == (exp["agency"], exp["year"])
        assert {k: fs.figures[k] for k, v in exp["figures"].items() if v is not None} == \
            {k: v for k, v in exp["figures"].items() if v is not None}


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "docx"])
def test_rendering_is_seeded(family: str) -> None:
    fs = SETS[-1]
    one, again, other = render(family, fs, 5), render(family, fs, 5), render(family, fs, 6)
    assert one.data == again.data and one.truth == again.truth
    assert one.data != other.data


# Derandomized: the same examples on every run, so that CI's verdict does not depend on the draw;
# NIANBAO_FAMILY_SEEDS and the sweeps explore further, and what they find goes to FOUND or KNOWN_WRONG.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(family=st.sampled_from([f for f in FAMILIES if f not in _SLOW and f != "pdf"]),
       kind=st.sampled_from(("plain", "zero", "large", "v2019")),
       set_seed=st.integers(min_value=0, max_value=10**6), seed=st.integers(min_value=0, max_value=10**6))
def test_no_wrong_figure_on_random_sets(family: str, kind: str, set_seed: int, seed: int) -> None:
    """New random figure sets and variations on every run: still no wrong figure."""
    fs = random_set(set_seed, kind)
    r = FAMILIES[family](fs, random.Random(seed))
    r = replace(r, blank=fs.blank, values=fs.figures)
    assert _wrong(r, reports.check(r.data, r.filename)) == {}


# Wrong figures the deeper sweeps found (NIANBAO_FAMILY_SEEDS, more random sets): kept as fixed cases
# so that they stay visible. (family, kind of random set, its seed, rendering seed)
FOUND: list[tuple[str, str, int, int]] = [
    ("tabs", "plain", 13, 2),  # a page number "4" alone on the line after table 4's row
    ("portal", "v2019", 12, 1),  # 2019 table 2: 行政强制 35 / -3 read as 3 / 5
    ("portal", "v2019", 15, 1),  # 2019 table 2: 行政许可 10 / -2 read as 1 / 0
    ("oneline", "v2019", 15, 1),  # 2019 table 2 glued: s2.licensing 8 read as 0
    ("split", "plain", 12, 2),  # table 3: 39 split as 3 / 9 beside a blank cell read as two cells
    ("split", "plain", 14, 2),  # 26 / blank / 2 1 4 1 / 3 / 4: blank dropped, total 34 read as 3 and 4
    ("split", "large", 13, 1),  # table 4 with split numbers: totals cut (688 read as 2)
    ("split", "large", 23, 1),  # table 4, one cell per line, numbers split: the line reading took
    ("split", "large", 28, 2),  # the first 15 lines as the row (19 for 194 ...)
    ("tabs", "plain", 44, 2),  # table 4's first cell blank, a page number "4" on the next line: the
    ("titles", "plain", 47, 1),  # blank was dropped as an empty label cell and the "4" read as a cell
]

# Wrong figures that test_no_wrong_figure_on_random_sets found, as it draws them (family, kind of random
# set, its seed, the seed of random.Random for the rendering): fixed, kept as cases.
FOUND_DRAWN: list[tuple[str, str, int, int]] = [
    ("markdown", "plain", 0, 0),  # converter markdown, table 3's labels lifted out and stacked above
    # their rows: state_secret read from the partial row above it (1 for 0)
]

# Wrong figures found by test_no_wrong_figure_on_random_sets and not fixed yet: each is a strict xfail,
# so that the suite says so on every run and fails once the engine reads it right.
KNOWN_WRONG: dict[tuple[str, str, int, int], str] = {}


def _drawn(case: tuple[str, str, int, int]) -> Rendering:
    family, kind, set_seed, seed = case
    fs = random_set(set_seed, kind)
    return replace(FAMILIES[family](fs, random.Random(seed)), blank=fs.blank, values=fs.figures)


@pytest.mark.parametrize("case", FOUND_DRAWN, ids=_ids)
def test_no_wrong_figure_found_drawn(case: tuple[str, str, int, int]) -> None:
    r = _drawn(case)
    assert _wrong(r, reports.check(r.data, r.filename)) == {}


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=f"engine reads a wrong figure: {why}"))
    for case, why in KNOWN_WRONG.items()
], ids=_ids)
def test_known_wrong_figures(case: tuple[str, str, int, int]) -> None:
    """Cases as test_no_wrong_figure_on_random_sets draws them (family, kind, set seed, seed)."""
    r = _drawn(case)
    assert _wrong(r, reports.check(r.data, r.filename)) == {}


@pytest.mark.parametrize("case", FOUND, ids=_ids)
def test_no_wrong_figure_found_by_sweeps(case: tuple[str, str, int, int]) -> None:
    family, kind, set_seed, seed = case
    fs = random_set(set_seed, kind)
    r = render(family, fs, seed)
    assert _wrong(r, reports.check(r.data, r.filename)) == {}
