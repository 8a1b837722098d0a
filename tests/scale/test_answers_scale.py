"""A large store answers as a small one: with the names resolved by index, sums, counts and
rankings read from the totals, and only the named agencies' reports loaded, every question gets the
answer the whole view gives (value, rows, sources, facts), including after a supersede, a chat's
own version, a blank figure and a delete."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bench.bench_scale import layout, questions
from storage import aliases, repo
from storage.answers import answer, invalidate_cache
from storage.reader import DriverReader
from tests.conftest_db import make_report

TODAY = dt.date(2025, 3, 1)
YEARS = (2023, 2024)
MORE = ("2024年全部单位共收到多少申请", "2023年哪些单位收到的申请最多", "2024年哪个单位行政复议最少",
        "库里有几份2024年的报告", "2024年全部单位收到的申请比去年多了多少", "有几家单位的年报",
        "2024年哪些报告没通过校验", "郑州市全部单位2024年共收到多少申请", "Top 3 agencies by applications granted in 2024",
        "2024年哪些单位还没有交年报", "Which agencies have not filed a 2024 report?")


def _same(a: Any) -> tuple[Any, ...]:
    rows = [] if a.kind == "unknown" else a.rows  # suggestions come from fewer names (test_resolve)
    return (a.kind, a.value, rows, a.sources, a.facts)


async def _ask(session: Any, texts: list[str], ws: list[int] | None, small: int, monkeypatch: Any) -> list[Any]:
    monkeypatch.setattr(aliases, "SMALL_STORE", small)
    aliases._LARGE.clear()
    invalidate_cache()
    return [_same(await answer(session, t, workspaces=ws, today=TODAY)) for t in texts]


async def _same_through_driver(db_url: str, session: Any, texts: list[str], ws: list[int] | None,
                               monkeypatch: Any) -> None:
    """`nianbao ask`'s reader (the driver alone, no SQLAlchemy) answers as the session does."""
    driver = await DriverReader.open(db_url)
    assert driver is not None
    try:
        for small in (10**9, 20):
            assert await _ask(driver, texts, ws, small, monkeypatch) == await _ask(session, texts, ws, small, monkeypatch)
    finally:
        await driver.close()


async def test_a_large_store_answers_as_a_small_one(session, db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    names, _ = layout(10_000)
    names = names[::13][:70]
    assert len(names) == 70
    rng = random.Random(5)
    for name in names:
        for year in YEARS:
            figs = {"s3.new.total": rng.randint(0, 40), "s3.granted.total": rng.randint(0, 9),
                    "s4.review.total": rng.randint(0, 3)}
            await repo.save_report(session, make_report(name, year, figs))
    chat = (await repo.get_or_create_workspace(session, "chat:7")).id
    lib = (await repo.get_or_create_workspace(session, "library")).id
    await session.commit()
    texts = [q for _, q in questions(names, list(YEARS), 60, seed=2)] + list(MORE)
    await session.commit()
    for ws in (None, [chat, lib]):
        assert await _ask(session, texts, ws, 10**9, monkeypatch) == await _ask(session, texts, ws, 20, monkeypatch)
        await _same_through_driver(db_url, session, texts, ws, monkeypatch)
        await _same_through_driver(db_url, session, texts, ws, monkeypatch)
    # A supersede, a chat's own version of a library report, a blank figure (the totals then decline
    # and the whole year is read), a delete.
    await repo.save_report(session, make_report(names[0], 2024, {"s3.new.total": 99}, tag="v2"))
    await repo.save_report(session, make_report(names[1], 2024, {"s3.new.total": 7}), workspace="chat:7")
    await repo.save_report(session, make_report(names[2], 2023, {"s3.new.total": None, "s3.new.person": 4},
                                                tag="blank"))
    await repo.delete_report(session, (await repo.list_reports(session, year=2024, limit=1))[0].id)
    await session.commit()
    for ws in (None, [chat, lib]):
        assert await _ask(session, texts, ws, 10**9, monkeypatch) == await _ask(session, texts, ws, 20, monkeypatch)
        await _same_through_driver(db_url, session, texts, ws, monkeypatch)
