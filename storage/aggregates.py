"""Sums, counts and rankings that do not scan: totals kept current with the reports.

Per workspace and year the store keeps the sum and count of every figure key over the workspace's
current reports (figure_totals), how many current reports it holds and how many of them are
published (report_totals), and the total figures (keys ending in .total) of every current report
in an index ordered by value (ranked_figures). storage.repo calls reports_added / reports_removed /
published_changed in the same transaction as the save, supersede, publish or delete that changes
them, so a reader never sees them out of step.

The readers answer for a set of visible workspaces as storage.answers defines it (their current
reports, plus every published one when the set holds the library, one report per agency and year).
They answer only when the totals give exactly that answer and return None otherwise (a report
visible twice, a published report from elsewhere, a blank figure that would fall back to other
keys), so the caller then computes it from the figures: a wrong figure is worse than a slow one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Agency, FigureTotal, RankedFigure, Report, ReportTotal
from storage.sql import IDS

_OVERLAP_LIMIT = 1000  # reports of the smaller visible workspaces checked for a shared agency and year


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


def ranked(key: str) -> bool:
    """Whether rankings by `key` are kept in ranked_figures."""
    return key.endswith(".total")


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


# ---------------------------------------------------------------- readers


@dataclass(frozen=True)
class Ranked:
    """A report in a ranking: what storage.answers needs to name it."""

    id: int
    value: float | None
    agency_id: int | None
    year: int | None
    file_name: str | None
    verdict: str
    error_count: int
    agency: str | None  # the agency's full name, else the name printed in the report


def _scope(ws_ids: Sequence[int]) -> list[int]:
    return sorted({w for w in ws_ids if w is not None})


async def _exact(session: AsyncSession, ws_ids: Sequence[int], year: int,
                 with_published: bool) -> dict[int, int] | None:
    """The visible workspaces holding reports of `year`, with how many each holds, when their totals
    add up to exactly what is visible (no published report from elsewhere, no agency and year in two
    of them); else None."""
    rows = (await session.execute(
        select(ReportTotal.workspace_id, ReportTotal.n_reports, ReportTotal.n_published)
        .where(ReportTotal.year == year, ReportTotal.n_reports > 0)
    )).all()
    wanted = set(_scope(ws_ids))
    mine = [(w, n) for w, n, _ in rows if w in wanted]
    if with_published and any(p for w, _, p in rows if w not in wanted):
        return None
    if len(mine) > 1:
        mine.sort(key=lambda t: t[1])
        small = [w for w, _ in mine[:-1]]
        if sum(n for _, n in mine[:-1]) > _OVERLAP_LIMIT:
            return None
        a, b = Report.__table__.alias("a"), Report.__table__.alias("b")
        shared = (await session.execute(
            select(literal(1)).select_from(a.join(b, and_(a.c.agency_id == b.c.agency_id, a.c.year == b.c.year)))
            .where(a.c.workspace_id.in_(small), a.c.year == year, a.c.superseded_by.is_(None),
                   b.c.workspace_id.in_([w for w, _ in mine]), b.c.workspace_id != a.c.workspace_id,
                   b.c.superseded_by.is_(None)).limit(1)
        )).first()
        if shared is not None:
            return None
    return dict(mine)


async def count_reports(session: AsyncSession, ws_ids: Sequence[int], year: int, *,
                        with_published: bool = False) -> int | None:
    """How many reports of `year` the workspaces see; None when the totals cannot tell exactly."""
    scope = await _exact(session, ws_ids, year, with_published)
    return None if scope is None else sum(scope.values())


async def sum_over(session: AsyncSession, ws_ids: Sequence[int], year: int, keys: Sequence[str], *,
                   with_published: bool = False) -> tuple[float | None, int] | None:
    """(sum of the figures `keys`, reports) over the reports of `year` the workspaces see, when every
    one of them has every key non-blank (so no report falls back to other keys); the sum is None
    when there is no report. None when the totals cannot give the exact answer."""
    scope = await _exact(session, ws_ids, year, with_published)
    if scope is None or not keys:
        return None
    if not scope:
        return (None, 0)
    n_reports = sum(scope.values())
    rows = (await session.execute(
        select(FigureTotal.key, func.sum(FigureTotal.total), func.sum(FigureTotal.n_values))
        .where(FigureTotal.year == year, FigureTotal.workspace_id.in_(list(scope)), FigureTotal.key.in_(list(keys)))
        .group_by(FigureTotal.key)
    )).all()
    if len(rows) != len(set(keys)) or any(int(n) != n_reports for _, _, n in rows):
        return None  # a blank or missing figure somewhere: that report's value needs its fallback keys
    return (round(sum(float(t) for _, t, _ in rows), 6), n_reports)


async def rank(session: AsyncSession, ws_ids: Sequence[int], year: int, key: str, n: int, order: str = "desc", *,
               with_published: bool = False) -> list[Ranked] | None:
    """The n reports of `year` the workspaces see with the greatest (order "desc") or least ("asc")
    figure `key`, ties by agency name then report id (as storage.answers orders them), read from the
    ranking index; None when the totals cannot give the exact answer."""
    if not ranked(key) or n <= 0:
        return None
    scope = await _exact(session, ws_ids, year, with_published)
    if scope is None:
        return None
    if not scope:
        return []
    have = dict((await session.execute(
        select(FigureTotal.workspace_id, FigureTotal.n_values).where(
            FigureTotal.year == year, FigureTotal.workspace_id.in_(list(scope)), FigureTotal.key == key)
    )).all())
    if any(have.get(w, 0) != c for w, c in scope.items()):
        return None
    rf = RankedFigure.__table__
    cond = and_(rf.c.workspace_id.in_(list(scope)), rf.c.year == year, rf.c.key == key)
    by = rf.c.value.desc() if order == "desc" else rf.c.value.asc()
    top = (await session.execute(select(rf.c.value).where(cond).order_by(by).limit(n))).scalars().all()
    if not top:
        return []
    edge = top[-1]
    r = Report.__table__
    cols = select(rf.c.report_id, rf.c.value, r.c.agency_id, r.c.year, r.c.file_name, r.c.verdict, r.c.error_count,
                  rf.c.agency).select_from(rf.join(r, r.c.id == rf.c.report_id))
    out: list[Ranked] = []
    if any(v != edge for v in top):  # strictly better than the n-th value: fewer than n reports
        beyond = rf.c.value > edge if order == "desc" else rf.c.value < edge
        rows = list((await session.execute(cols.where(cond, beyond))).all())
        sign = -1 if order == "desc" else 1
        rows.sort(key=lambda t: (sign * float(t[1]), t[7], t[0]))
        out += [Ranked(int(t[0]), t[1], t[2], t[3], t[4], t[5], t[6], t[7] or None) for t in rows]
    # The ties at the n-th value, in the index's order (the name in code point order, then the id).
    ties = (await session.execute(
        cols.where(cond, rf.c.value == edge).order_by(rf.c.agency, rf.c.report_id).limit(n - len(out))
    )).all()
    out += [Ranked(int(t[0]), t[1], t[2], t[3], t[4], t[5], t[6], t[7] or None) for t in ties]
    return out[:n]


async def sample(session: AsyncSession, ws_ids: Sequence[int], year: int, n: int, *,
                 with_published: bool = False) -> list[Ranked] | None:
    """n of the reports of `year` the workspaces see (those of the lowest agency ids, read in the order
    of ix_reports_year_current), by agency name: the sources named under a sum; None as sum_over."""
    scope = await _exact(session, ws_ids, year, with_published)
    if scope is None:
        return None
    r, a = Report.__table__, Agency.__table__
    rows = (await session.execute(
        select(r.c.id, r.c.agency_id, r.c.year, r.c.file_name, r.c.verdict, r.c.error_count,
               func.coalesce(a.c.name, r.c.agency_name))
        .select_from(r.outerjoin(a, a.c.id == r.c.agency_id))
        .where(r.c.year == year, r.c.superseded_by.is_(None), r.c.workspace_id.in_(list(scope) or [-1]))
        .order_by(r.c.agency_id).limit(n)
    )).all()
    out = [Ranked(rid, None, aid, y, f, verdict, errors, name) for rid, aid, y, f, verdict, errors, name in rows]
    out.sort(key=lambda x: (x.agency is not None, x.agency or "", x.id))
    return out


async def years(session: AsyncSession, ws_ids: Sequence[int], *, with_published: bool = False) -> list[int]:
    """The years of the reports the workspaces see, oldest first (from the yearly totals)."""
    q = select(ReportTotal.year).where(ReportTotal.n_reports > 0)
    if with_published:
        q = q.where(or_(ReportTotal.workspace_id.in_(_scope(ws_ids)), ReportTotal.n_published > 0))
    else:
        q = q.where(ReportTotal.workspace_id.in_(_scope(ws_ids)))
    return sorted(set((await session.execute(q.distinct())).scalars()))

