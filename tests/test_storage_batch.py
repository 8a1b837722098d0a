"""Saving reports in a batch (repo.save_reports, what ingest does) leaves the store exactly as saving
them one by one: supersedes inside the batch and of stored reports, duplicates, cross-year findings
recomputed in order, agencies and their aliases, totals and rankings; and a report that cannot be
stored fails alone, the rest of its batch and what was stored before kept. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reports import model as rm
from storage import repo
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import LIBRARY
from tests.conftest_db import make_report, pg_schema
from tests.scale.test_aggregates_property import RECOMPUTED, _rows

A, B, C, D = "灵宝市教育局", "新乡市教育局", "淮安市人民政府", "卢氏县民政局"
CHAT = "chat:1"


def carry(inn: float, out: float, in_force: float = 5) -> dict[str, float | None]:
    """Figures that make the cross-year rules speak: carried in, carried out (every column), in force."""
    figures: dict[str, float | None] = {}
    for col in rm.S3_COLUMNS:
        figures[f"s3.carried_in.{col}"] = inn
        figures[f"s3.carried_out.{col}"] = out
    figures["s2.rules.in_force"] = in_force
    return figures


# Stored first, one by one: a published report in the library (a base from elsewhere), two in the chat.
BEFORE: list[tuple[str, rm.Report]] = [
    (LIBRARY, make_report(D, 2022, carry(0, 4), tag="d22")),
    (CHAT, make_report(A, 2022, carry(0, 2), tag="a22")),
    (CHAT, make_report(B, 2023, carry(7, 1), tag="b23")),
]
BATCH: list[rm.Report] = [
    make_report(A, 2023, carry(2, 3), tag="a23"),  # against the stored A 2022: agrees
    make_report(A, 2022, carry(0, 9, 6), tag="a22-v2"),  # supersedes the stored one; A 2023 re-checked
    make_report(B, 2022, carry(0, 5), tag="b22"),  # the stored B 2023 re-checked against it
    make_report(A, 2023, carry(9, 1), tag="a23-v2"),  # supersedes the first of the batch
    make_report(B, 2022, carry(0, 5), tag="b22"),  # the same file again: a duplicate in the batch
    BEFORE[2][1],  # a duplicate of a stored file
    make_report(A, 2024, carry(2, 0), tag="a24"),  # against A 2023 v2
    make_report(D, 2023, carry(3, 3), tag="d23"),  # against the library's published D 2022
    make_report(A, 2023, carry(9, 2, 8), tag="a23-v3"),  # supersedes v2; A 2024 re-checked against it
    make_report("灵宝市 教育局", 2025, carry(2, 2), tag="a25"),  # another spelling of A
    make_report(C, None, tag="c-no-year"),
    make_report(None, 2023, tag="no-agency"),
    make_report(C, 2023, carry(1, 1), tag="c23"),
]


@pytest.fixture
def twin_url(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second fresh database on the same backend as db_url."""
    if db_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('twin') / 'twin.db'}"
        return
    with pg_schema(db_url) as url:
        yield url


SNAPSHOT = {
    "workspaces": "SELECT id, name FROM workspaces ORDER BY id",
    "agencies": "SELECT id, name, normalised, province, city, county, level, kind, aliases FROM agencies ORDER BY id",
    "agency_aliases": "SELECT key, agency_id, region, generic FROM agency_aliases ORDER BY key, agency_id",
    "reports": "SELECT id, workspace_id, agency_id, agency_name, year, format, verdict, error_count, warning_count, "
               "file_name, sha256, uploader, published, superseded_by, report_json FROM reports ORDER BY id",
    "figures": "SELECT report_id, key, value, is_null FROM figures ORDER BY report_id, id",
    "findings": 'SELECT report_id, code, severity, message_zh, message_en, section, row, "column", key, expected, '
                "actual FROM findings ORDER BY report_id, id",
    "figure_totals": "SELECT workspace_id, year, key, ROUND(CAST(total AS NUMERIC), 6), n_values, n_reports "
                     "FROM figure_totals ORDER BY workspace_id, year, key",
    "report_totals": "SELECT * FROM report_totals ORDER BY workspace_id, year",
    "ranked_figures": "SELECT report_id, key, workspace_id, year, value, agency FROM ranked_figures "
                      "ORDER BY report_id, key",
}


def _plain(v: Any) -> Any:
    if isinstance(v, str) and v.startswith(("[", "{")):
        return json.loads(v)  # a JSON column read back as text on SQLite
    return float(v) if hasattr(v, "as_tuple") else v


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table, sql in SNAPSHOT.items():
        out[table] = [tuple(_plain(v) for v in row) for row in (await session.execute(text(sql))).all()]
    return out


async def store(url: str, batch: bool) -> tuple[list[tuple[int, str, int | None]], dict[str, Any]]:
    """BEFORE then BATCH into a fresh store at `url`, the batch in one save_reports or one by one."""
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            for ws, report in BEFORE:
                await repo.save_report(session, report, workspace=ws)
            if batch:
                results = await repo.save_reports(session, [repo.ToSave(r) for r in BATCH], workspace=CHAT)
            else:
                results = [await repo.save_report(session, r, workspace=CHAT) for r in BATCH]
            got = [(r.report_id, r.status, r.previous_id) for r in results]  # type: ignore[union-attr]
            for table, (plain, kept) in RECOMPUTED.items():
                assert await _rows(session, kept) == await _rows(session, plain), table
            return got, await snapshot(session)
    finally:
        await engine.dispose()


async def test_a_batch_leaves_the_store_as_one_by_one(db_url: str, twin_url: str) -> None:
    one_by_one, expected = await store(db_url, batch=False)
    batched, got = await store(twin_url, batch=True)
    assert batched == one_by_one
    assert [s for _, s, _ in batched] == ["stored", "superseded", "stored", "superseded", "duplicate", "duplicate",
                                          "stored", "stored", "superseded", "stored", "stored", "stored", "stored"]
    for table in SNAPSHOT:
        assert got[table] == expected[table], table
    # Each report's cross-year findings against its last base, as (code, expected, actual) with a count.
    tags = {r.sha256: r.file.split("-", 1)[1].removesuffix(".txt") for r in [*(r for _, r in BEFORE), *BATCH]}
    sha_of = {row[0]: row[10] for row in got["reports"]}
    cross: dict[str, dict[tuple[str, Any, Any], int]] = {}
    for row in got["findings"]:
        if row[1] in ("carryover-mismatch", "in-force-mismatch"):
            seen = cross.setdefault(tags[sha_of[row[0]]], {})
            seen[(row[1], row[9], row[10])] = seen.get((row[1], row[9], row[10]), 0) + 1
    co, inf = "carryover-mismatch", "in-force-mismatch"
    assert cross == {
        "2023b23": {(co, 5, 7): 7},  # stored, re-checked against B 2022 of the batch
        "2023a23": {(co, 9, 2): 7, (inf, 6, 5): 1},  # superseded in the batch, re-checked against A 2022 v2 first
        "2023a23-v2": {(inf, 6, 5): 1},
        "2024a24": {(inf, 8, 5): 1},  # against v2 first (a carryover mismatch), then v3
        "2023d23": {(co, 4, 3): 7},  # against the library's published report
        "2023a23-v3": {(inf, 6, 8): 1},
        "2025a25": {(co, 0, 2): 7},
    }
    # Which reports are current, and A's second spelling kept among its aliases.
    current = {(r[3], r[4]) for r in got["reports"] if r[13] is None and r[1] == 2}
    assert current == {(A, 2022), (A, 2023), (A, 2024), ("灵宝市 教育局", 2025), (B, 2022), (B, 2023), (D, 2023),
                       (C, None), (None, 2023), (C, 2023)}
    assert [r[8] for r in got["agencies"] if r[1] == A] == [["灵宝市 教育局"]]


async def test_a_report_that_fails_in_a_batch_fails_alone(session: AsyncSession) -> None:
    kept = await repo.save_report(session, make_report(A, 2022, tag="kept"), workspace=CHAT)
    bad = make_report(A, 2022, {"s9." + "x" * 70: 1}, tag="bad")  # a figure key over 64 characters
    items = [make_report(B, 2022, tag="b"), bad, make_report(A, 2022, tag="a-v2"), make_report(C, 2023, tag="c")]
    results = await repo.save_reports(session, [repo.ToSave(r) for r in items], workspace=CHAT)
    assert [type(r).__name__ for r in results[:1] + results[2:]] == ["SaveResult"] * 3
    assert isinstance(results[1], Exception)
    assert kept.row is not None and kept.row.superseded_by == results[2].report_id  # the loaded copy sees it
    statuses = [(r.status, r.previous_id) for r in results if isinstance(r, repo.SaveResult)]
    assert statuses == [("stored", None), ("superseded", kept.report_id), ("stored", None)]
    rows = (await session.execute(text(
        "SELECT agency_name, sha256, superseded_by IS NULL FROM reports ORDER BY id"))).all()
    assert [(name, current) for name, _, current in rows] == [(A, False), (B, True), (A, True), (C, True)]
    assert bad.sha256 not in {sha for _, sha, _ in rows}
    n_figures = (await session.execute(text("SELECT COUNT(*) FROM figures"))).scalar_one()
    assert n_figures == 4 * len(make_report(A, 2022).figures)
    for table, (plain, kept_sql) in RECOMPUTED.items():
        assert await _rows(session, kept_sql) == await _rows(session, plain), table
    # The same failure as a batch of one is raised to the caller of save_report; nothing is left of it.
    with pytest.raises(Exception):  # noqa: B017 (the driver's error differs by database)
        await repo.save_report(session, bad, workspace=CHAT)
    assert (await session.execute(text("SELECT COUNT(*) FROM reports"))).scalar_one() == 4


async def test_ingest_in_batches_stores_what_one_by_one_does(db_url: str, twin_url: str, tmp_path: Path) -> None:
    """Generated text reports through the workers: 3 agencies x 3 years, each year twice (the second
    supersedes), a file that is not a report in the middle; batches of 50 against batches of 1."""
    from storage.ingest import ingest_paths
    from tests.docgen import make_figures, report_text

    src = tmp_path / "in"
    src.mkdir()
    for v in range(2):
        for a, agency in enumerate((A, B, C)):
            for year in (2021, 2022, 2023):
                seed = 100 * v + 10 * a + year
                (src / f"{v}-{a}-{year}.txt").write_text(report_text(agency, year, make_figures(seed)), "utf-8")
    (src / "0-1-2022x.txt").write_text("这不是年报。\n", "utf-8")
    one = await ingest_paths([src], url=db_url, jobs=2, batch=1)
    many = await ingest_paths([src], url=twin_url, jobs=2)
    assert [(o.path, o.status, o.report_id, o.previous_id, o.reason) for o in many] == [
        (o.path, o.status, o.report_id, o.previous_id, o.reason) for o in one]
    assert [o.status for o in many].count("superseded") == 9 and [o.status for o in many].count("failed") == 1
    snaps = []
    for url in (db_url, twin_url):
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                snaps.append(await snapshot(session))
        finally:
            await engine.dispose()
    for table in SNAPSHOT:
        assert snaps[0][table] == snaps[1][table], table
    assert any(r[1] == "carryover-mismatch" for r in snaps[0]["findings"])
