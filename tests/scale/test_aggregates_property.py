"""The totals, counts and rankings kept on save, supersede, publish and delete equal a plain SQL
recomputation from the reports and figures, after any sequence of those changes; and what the
readers answer equals the answer computed report by report (or they decline to answer)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from storage import totals
from storage.models import LIBRARY
from storage.repo import delete_report, get_or_create_workspace, save_report, set_published
from tests.conftest_db import make_report

AGENCIES = ("灵宝市教育局", "新乡市教育局", "淮安市人民政府", None)
YEARS = (2022, 2023, None)
WORKSPACES = (LIBRARY, "chat:1", "chat:2")
KEY = "s3.new.total"
VALUES = st.one_of(st.none(), st.integers(0, 50), st.sampled_from([0.25, 1.5, 12.75]))

save_op = st.tuples(st.just("save"), st.sampled_from(AGENCIES), st.sampled_from(YEARS), st.sampled_from(WORKSPACES),
                    VALUES, VALUES, st.booleans(), st.integers(0, 3))
delete_op = st.tuples(st.just("delete"), st.integers(0, 30))
publish_op = st.tuples(st.just("publish"), st.integers(0, 30), st.booleans())
OPS = st.lists(st.one_of(save_op, save_op, delete_op, publish_op), min_size=1, max_size=8)

RECOMPUTED = {
    "figure_totals": (
        "SELECT r.workspace_id, r.year, f.key, COUNT(f.value), COUNT(*), ROUND(CAST(COALESCE(SUM(f.value), 0) AS "
        "NUMERIC), 6) FROM reports r JOIN figures f ON f.report_id = r.id WHERE r.superseded_by IS NULL "
        "AND r.year IS NOT NULL GROUP BY r.workspace_id, r.year, f.key",
        "SELECT workspace_id, year, key, n_values, n_reports, ROUND(CAST(total AS NUMERIC), 6) FROM figure_totals",
    ),
    "report_totals": (
        "SELECT workspace_id, year, COUNT(*), SUM(CASE WHEN published THEN 1 ELSE 0 END), SUM(id), "
        "SUM(CASE WHEN published THEN id ELSE 0 END) FROM reports "
        "WHERE superseded_by IS NULL AND year IS NOT NULL GROUP BY workspace_id, year",
        "SELECT workspace_id, year, n_reports, n_published, report_ids, published_ids FROM report_totals",
    ),
    "ranked_figures": (
        "SELECT f.report_id, f.key, r.workspace_id, r.year, f.value, COALESCE(a.name, r.agency_name, '') FROM reports r "
        "JOIN figures f ON f.report_id = r.id LEFT JOIN agencies a ON a.id = r.agency_id "
        "WHERE r.superseded_by IS NULL AND r.year IS NOT NULL AND f.key LIKE '%.total'",
        "SELECT report_id, key, workspace_id, year, value, agency FROM ranked_figures",
    ),
}


async def _rows(session: Any, sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(float(x) if isinstance(x, int | float) or hasattr(x, "as_tuple") else x for x in r)
                   for r in (await session.execute(text(sql))).all()), key=repr)


async def _visible_values(session: Any, ws_ids: list[int], year: int) -> list[tuple[str | None, int, Any]]:
    """(agency, report id, value of KEY) of each report the workspaces see, chosen as storage.answers does."""
    rows = (await session.execute(text(
        "SELECT r.id, r.agency_id, r.workspace_id, COALESCE(a.name, r.agency_name), f.value FROM reports r "
        "LEFT JOIN agencies a ON a.id = r.agency_id LEFT JOIN figures f ON f.report_id = r.id AND f.key = :k "
        "WHERE r.superseded_by IS NULL AND r.year = :y"), {"k": KEY, "y": year})).all()
    best: dict[Any, tuple[tuple[int, int], tuple[str | None, int, Any]]] = {}
    for rid, aid, ws, name, value in rows:
        own = ws in ws_ids
        if not own and not _published(rid):
            continue
        group = (aid,) if aid is not None else ("report", rid)
        rank = (0 if own else 1, -rid)
        if group not in best or rank < best[group][0]:
            best[group] = (rank, (name, rid, value))
    return [v for _, v in best.values()]


_PUBLISHED: set[int] = set()


def _published(rid: int) -> bool:
    return rid in _PUBLISHED


async def _check(session: Any) -> None:
    for table, (plain, kept) in RECOMPUTED.items():
        assert await _rows(session, kept) == await _rows(session, plain), table
    _PUBLISHED.clear()
    _PUBLISHED.update((await session.execute(text("SELECT id FROM reports WHERE published"))).scalars())
    lib = (await get_or_create_workspace(session, LIBRARY)).id
    chat = (await get_or_create_workspace(session, "chat:1")).id
    await session.commit()
    for ws_ids, with_pub in (([lib], True), ([chat, lib], True), ([chat], False)):
        for year in (2022, 2023):
            seen = await _visible_values(session, ws_ids, year)
            if not with_pub:
                own = set((await session.execute(text(
                    "SELECT id FROM reports WHERE workspace_id = :w AND superseded_by IS NULL AND year = :y"),
                    {"w": chat, "y": year})).scalars())
                seen = [v for v in seen if v[1] in own]
            count = await totals.count_reports(session, ws_ids, year, with_published=with_pub)
            assert count is None or count == len(seen)
            total = await totals.sum_over(session, ws_ids, year, [KEY], with_published=with_pub)
            if total is not None:
                assert all(v is not None for _, _, v in seen)
                expected = round(sum(v for _, _, v in seen), 6) if seen else None
                assert total == (expected, len(seen))
            top = await totals.rank(session, ws_ids, year, KEY, 2, "desc", with_published=with_pub)
            if top is not None:
                order = sorted(seen, key=lambda t: (-t[2], t[0] is not None, t[0] or "", t[1]))[:2]
                assert [(r.id, r.value) for r in top] == [(rid, v) for _, rid, v in order]


async def _apply(session: Any, ops: list[tuple[Any, ...]], counter: list[int]) -> None:
    ids = [r for r in (await session.execute(text("SELECT id FROM reports ORDER BY id"))).scalars()]
    for op in ops:
        if op[0] == "save":
            _, agency, year, ws, v1, v2, published, tag = op
            counter[0] += 1
            rep = make_report(agency, year, {KEY: v1, "s3.granted.total": v2}, tag=f"{tag}-{counter[0]}")
            res = await save_report(session, rep, workspace=ws, published=published)
            ids.append(res.report_id)
        elif ids and op[0] == "delete":
            await delete_report(session, ids[op[1] % len(ids)])
        elif ids and op[0] == "publish":
            await set_published(session, ids[op[1] % len(ids)], op[2])
        await _check(session)


async def test_totals_equal_a_recomputation(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    counter = [0]
    examples: list[list[tuple[Any, ...]]] = []

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(OPS)
    def collect(ops: list[tuple[Any, ...]]) -> None:
        examples.append(ops)

    collect()
    async with sessionmaker() as session:
        for ops in examples:
            await _apply(session, ops, counter)
        count = (await session.execute(text("SELECT COUNT(*) FROM reports"))).scalar()
        assert count > 0
