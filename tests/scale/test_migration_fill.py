"""Migration 0005 fills the totals, rankings and aliases from a store saved before it existed."""

from __future__ import annotations

from sqlalchemy import text

from storage.aliases import alias_rows
from storage.db import make_engine, upgrade
from tests.scale.test_aggregates_property import RECOMPUTED


async def test_upgrade_fills_totals_and_aliases(db_url: str) -> None:
    await upgrade(db_url, "0004")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO workspaces (id, name, created_at) VALUES (1, 'library', '2025-01-01'), "
                                    "(2, 'chat:1', '2025-01-01')"))
            await conn.execute(text(
                "INSERT INTO agencies (id, name, normalised, kind, aliases, created_at) VALUES "
                "(1, '灵宝市教育局', '灵宝市教育局', 'department', '[]', '2025-01-01'), "
                "(2, '新乡市人民政府', '新乡市人民政府', 'government', '[]', '2025-01-01')"))
            reports = [(1, 1, 1, 2023, True), (2, 1, 1, 2024, True), (3, 1, 2, 2024, True), (4, 2, 2, 2024, False),
                       (5, 1, None, None, True)]  # 1 is superseded below
            for rid, ws, aid, year, pub in reports:
                await conn.execute(text(
                    "INSERT INTO reports (id, workspace_id, agency_id, year, format, verdict, error_count, warning_count, "
                    "sha256, published, superseded_by, report_json, created_at, updated_at) VALUES (:id, :ws, :aid, "
                    ":year, '2021', 'pass', 0, 0, :sha, :pub, NULL, '{}', '2025-01-01', '2025-01-01')"),
                    {"id": rid, "ws": ws, "aid": aid, "year": year, "sha": f"{rid:064x}", "pub": pub})
            await conn.execute(text("UPDATE reports SET superseded_by = 3 WHERE id = 1"))
            for rid in range(1, 6):
                await conn.execute(text(
                    "INSERT INTO figures (report_id, key, value, is_null) VALUES (:r, 's3.new.total', :v, false), "
                    "(:r, 's3.new.person', NULL, true)"), {"r": rid, "v": rid * 10})
        await upgrade(db_url)
        async with engine.connect() as conn:
            for table, (plain, kept) in RECOMPUTED.items():
                got = sorted(tuple(r) for r in (await conn.execute(text(kept))).all())
                assert got == sorted(tuple(r) for r in (await conn.execute(text(plain))).all()), table
            totals = (await conn.execute(text(
                "SELECT workspace_id, year, key, total, n_values, n_reports FROM figure_totals "
                "WHERE key = 's3.new.total' ORDER BY workspace_id, year"))).all()
            assert [tuple(r) for r in totals] == [(1, 2024, "s3.new.total", 50.0, 2, 2),
                                                   (2, 2024, "s3.new.total", 40.0, 1, 1)]
            aliases = sorted((await conn.execute(text("SELECT agency_id, key FROM agency_aliases"))).all())
            expected = sorted((r["agency_id"], r["key"]) for i, n in ((1, "灵宝市教育局"), (2, "新乡市人民政府"))
                              for r in alias_rows(i, n))
            assert [tuple(a) for a in aliases] == expected
            assert (1, "lingbao") in expected and (2, "新乡") in expected
    finally:
        await engine.dispose()
