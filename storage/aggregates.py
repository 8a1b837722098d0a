"""Sums, counts and rankings that do not scan: totals kept current with the reports.

Per workspace and year the store keeps the sum and count of every figure key over the workspace's
current reports (figure_totals), how many current reports it holds and how many of them are
published (report_totals), and the total figures (keys ending in .total) of every current report
in an index ordered by value (ranked_figures). storage.repo calls reports_added / reports_removed /
published_changed in the same transaction as the save, supersede, publish or delete that changes
them, so a reader never sees them out of step.

Their readers are in storage.totals (SQL text, so that `nianbao ask` reads them without SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report, ReportTotal
from storage.sql import IDS

# The totals and rankings recomputed from the stored reports (migration 0005, the scale bench's bulk fill).
REBUILD_SQL: tuple[str, ...] = (
    "DELETE FROM figure_totals",
    "DELETE FROM report_totals",
    "DELETE FROM ranked_figures",
    "INSERT INTO figure_totals (workspace_id, year, key, total, n_values, n_reports) "
    "SELECT r.workspace_id, r.year, f.key, COALESCE(SUM(f.value), 0), COUNT(f.value), COUNT(*) "
    "FROM reports r JOIN figures f ON f.report_id = r.id "
    "WHERE r.superseded_by IS NULL AND r.year IS NOT NULL GROUP BY r.workspace_id, r.year, f.key",
    "INSERT INTO report_totals (workspace_id, year, n_reports, n_published, report_ids, published_ids) "
    "SELECT workspace_id, year, COUNT(*), SUM(CASE WHEN published THEN 1 ELSE 0 END), SUM(id), "
    "SUM(CASE WHEN published THEN id ELSE 0 END) FROM reports "
    "WHERE superseded_by IS NULL AND year IS NOT NULL GROUP BY workspace_id, year",
    "INSERT INTO ranked_figures (report_id, key, workspace_id, year, value, agency) "
    "SELECT f.report_id, f.key, r.workspace_id, r.year, f.value, COALESCE(a.name, r.agency_name, '') "
    "FROM reports r JOIN figures f ON f.report_id = r.id LEFT JOIN agencies a ON a.id = r.agency_id "
    "WHERE r.superseded_by IS NULL AND r.year IS NOT NULL AND f.key LIKE '%.total'",
)


def rebuild(conn: Any) -> None:
    """Totals, rankings and agency aliases recomputed from what is stored, on a synchronous
    connection (migration 0005; benches that fill the tables in bulk, through run_sync)."""
    from storage.aliases import alias_rows

    for statement in REBUILD_SQL:
        conn.execute(text(statement))
    rows = [row for aid, name in conn.execute(text("SELECT id, name FROM agencies")).all()
            for row in alias_rows(aid, name)]
    for i in range(0, len(rows), 20_000):
        conn.execute(text("INSERT INTO agency_aliases (key, agency_id, region, generic) "
                          "VALUES (:key, :agency_id, :region, :generic)"), rows[i:i + 20_000])


# ---------------------------------------------------------------- writers (storage.repo)


# _apply's statements over a list of reports, written into them (storage.sql.IDS: planned for them, by
# the indexes, however small the tables were when a statement was first prepared); the sign (+1 added,
# -1 removed) is a parameter.
_SIGN = "CAST(:sign AS INTEGER)"
# The reports' figure rows, found by the index on figures (report_id, key).
_FIGURES = "FROM figures f JOIN reports r ON r.id = f.report_id WHERE f.report_id IN :ids AND r.year IS NOT NULL"
# Where emptied totals may be.
_EMPTIED = "(workspace_id, year) IN (SELECT r.workspace_id, r.year FROM reports r WHERE r.id IN :ids)"
_SQL = {name: text(sql).bindparams(IDS) for name, sql in {
    # One upsert from the reports' figure rows, a row per workspace, year and key.
    "figures": "INSERT INTO figure_totals (workspace_id, year, key, total, n_values, n_reports) "
               f"SELECT r.workspace_id, r.year, f.key, {_SIGN} * COALESCE(SUM(f.value), 0), {_SIGN} * COUNT(f.value), "
               f"{_SIGN} * COUNT(*) {_FIGURES} GROUP BY r.workspace_id, r.year, f.key "
               "ON CONFLICT (workspace_id, year, key) DO UPDATE SET total = figure_totals.total + excluded.total, "
               "n_values = figure_totals.n_values + excluded.n_values, "
               "n_reports = figure_totals.n_reports + excluded.n_reports",
    "reports": "INSERT INTO report_totals (workspace_id, year, n_reports, n_published, report_ids, published_ids) "
               f"SELECT r.workspace_id, r.year, {_SIGN} * COUNT(*), "
               f"{_SIGN} * SUM(CASE WHEN r.published THEN 1 ELSE 0 END), {_SIGN} * SUM(r.id), "
               f"{_SIGN} * SUM(CASE WHEN r.published THEN r.id ELSE 0 END) FROM reports r "
               "WHERE r.id IN :ids AND r.year IS NOT NULL GROUP BY r.workspace_id, r.year "
               "ON CONFLICT (workspace_id, year) DO UPDATE SET n_reports = report_totals.n_reports + excluded.n_reports, "
               "n_published = report_totals.n_published + excluded.n_published, "
               "report_ids = report_totals.report_ids + excluded.report_ids, "
               "published_ids = report_totals.published_ids + excluded.published_ids",
    "rank": "INSERT INTO ranked_figures (report_id, key, workspace_id, year, value, agency) "
            "SELECT f.report_id, f.key, r.workspace_id, r.year, f.value, COALESCE(a.name, r.agency_name, '') "
            "FROM figures f JOIN reports r ON r.id = f.report_id LEFT JOIN agencies a ON a.id = r.agency_id "
            "WHERE f.report_id IN :ids AND r.year IS NOT NULL AND f.key LIKE '%.total'",
    "unrank": "DELETE FROM ranked_figures WHERE report_id IN :ids",
    # Emptied totals go, so a sum that drifted by float rounding restarts from zero.
    "empty_figures": f"DELETE FROM figure_totals WHERE n_reports = 0 AND {_EMPTIED}",
    "empty_reports": f"DELETE FROM report_totals WHERE n_reports = 0 AND {_EMPTIED}",
}.items()}


async def _apply(session: AsyncSession, report_ids: Sequence[int], sign: int) -> None:
    if not report_ids:
        return
    params = {"ids": [int(i) for i in report_ids], "sign": sign}
    await session.execute(_SQL["figures"], params)
    await session.execute(_SQL["reports"], params)
    if sign > 0:
        await session.execute(_SQL["rank"], params)
    else:
        await session.execute(_SQL["unrank"], params)
        await session.execute(_SQL["empty_figures"], params)
        await session.execute(_SQL["empty_reports"], params)


async def reports_added(session: AsyncSession, report_ids: Sequence[int]) -> None:
    """Reports became current (saved, or restored by deleting their successor); their figures are stored."""
    await _apply(session, report_ids, 1)


async def reports_removed(session: AsyncSession, report_ids: Sequence[int]) -> None:
    """Current reports stop being current (superseded or about to be deleted; their figures still stored)."""
    await _apply(session, report_ids, -1)


async def published_changed(session: AsyncSession, report_id: int, published: bool) -> None:
    """A report's published flag is about to change to `published` (call before the update)."""
    row = (await session.execute(
        select(Report.workspace_id, Report.year, Report.published, Report.superseded_by).where(Report.id == report_id)
    )).one_or_none()
    if row is None or row[1] is None or row[3] is not None or bool(row[2]) == published:
        return
    await session.execute(
        update(ReportTotal).where(ReportTotal.workspace_id == row[0], ReportTotal.year == row[1])
        .values(n_published=ReportTotal.n_published + (1 if published else -1),
                published_ids=ReportTotal.published_ids + (report_id if published else -report_id))
    )
