"""Property: random balanced tables give no balance finding; one perturbed cell gives exactly the
findings of the relations that cell takes part in, at their places."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.model import S3_KEYS, S4_KEYS
from reports.relations import table3_relations, table4_relations
from tests.docgen import make_figures, report_text
from tests.engine.helpers import AGENCY, check_text

ARITH = {"column-balance", "results-total", "row-total", "appeal-total"}
RELATIONS = table3_relations(fmt="2021", has_total=True, rows=set(k.split(".", 1)[1].rsplit(".", 1)[0] for k in S3_KEYS),
                             subtotals=set()) + table4_relations()


def _arith_places(report) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.location.row, f.location.column) for f in report.findings if f.code in ARITH}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**9))
def test_balanced_tables_give_no_balance_finding(seed: int) -> None:
    f = make_figures(seed)
    r = check_text(report_text(AGENCY, 2023, f))
    assert _arith_places(r) == set()
    assert r.verdict == "pass"
    assert {k: r.figures[k] for k in f} == f


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**9),
    key=st.sampled_from(S3_KEYS + S4_KEYS),
    delta=st.integers(min_value=1, max_value=500),
)
def test_one_perturbed_cell_gives_exactly_its_relations(seed: int, key: str, delta: int) -> None:
    f = make_figures(seed)
    f[key] += delta
    r = check_text(report_text(AGENCY, 2023, f, narrative=False))
    expected = {(rel.code, rel.row, rel.column) for rel in RELATIONS if key in rel.keys}
    assert _arith_places(r) == expected
    assert r.figures[key] == f[key]
    assert r.verdict == "fail"
