"""The new kinds of question (places, comparisons between agencies, the roster of missing reports,
short names, unknown places) answer the same in a large store (names resolved by index, a partial
view) as in a small one (every name given to the parser)."""

from __future__ import annotations

from typing import Any

from storage import aliases, repo
from storage.answers import answer, invalidate_cache
from tests.conftest_db import make_report
from tests.test_questions_regions import FIGS, REPORTS, TODAY

TEXTS = (
    "莆田各单位2019年一共收到多少申请", "莆田2019年收到多少申请", "Putian 2019: total applications received by all agencies",
    "哪些单位还没交2025年的年报", "which agencies have not sent their 2025 report", "莆田哪些单位还没交2020年的年报",
    "莆田和沭阳2019年申请数比较", "compare Sanmenxia and Shanghai in 2023", "上海科委2024年收到多少申请",
    "三门峡文旅局2023年行政复议多少件", "沐阳2025年收到多少申请", "Sanming 2020: how many administrative coercion decisions?",
    "莆田发改委比2019年多收了多少申请", "库里有几份莆田的年报", "莆田有哪些单位的年报",
)


def _same(a: Any) -> tuple[Any, ...]:
    rows = [] if a.kind == "unknown" else a.rows  # suggestions come from fewer names in a large store
    return (a.kind, a.value, rows, a.sources, a.facts if a.kind != "unknown" else {})


async def _ask(session: Any, small: int, monkeypatch: Any) -> list[Any]:
    monkeypatch.setattr(aliases, "SMALL_STORE", small)
    aliases._LARGE.clear()
    invalidate_cache()
    return [_same(await answer(session, t, today=TODAY)) for t in TEXTS]


async def test_large_store_answers_as_a_small_one(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for agency, year, seed in REPORTS:
        await repo.save_report(session, make_report(agency, year, FIGS[(agency, year)], tag=str(seed)))
    await session.commit()
    small = await _ask(session, 10**9, monkeypatch)
    assert [k for k, *_ in small] == ["sum", "value", "sum", "missing_reports", "missing_reports", "missing_reports",
                                      "compare_agencies", "compare_agencies", "value", "value", "unknown", "unknown",
                                      "compare", "count", "list_agencies"]
    assert small[3][1] == 13  # the roster's agencies without a 2025 report
    assert await _ask(session, 5, monkeypatch) == small
