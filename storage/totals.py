"""The readers of the totals that storage.aggregates keeps (sums, counts and rankings that do not scan).

They answer for a set of visible workspaces as storage.answers defines it (their current reports,
plus every published one when the set holds the library, one report per agency and year), and only
when the totals give exactly that answer; they return None otherwise (a report visible twice, a
published report from elsewhere, a blank figure that would fall back to other keys), so the caller
then computes it from the figures: a wrong figure is worse than a slow one. SQL text through a
storage.reader.Reader (a session, or the driver alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.reader import Reader, reader

_OVERLAP_LIMIT = 1000  # reports of the smaller visible workspaces checked for a shared agency and year


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


def ranked(key: str) -> bool:
    """Whether rankings by `key` are kept in ranked_figures."""
    return key.endswith(".total")


def _scope(ws_ids: Sequence[int]) -> list[int]:
    return sorted({w for w in ws_ids if w is not None})


async def _exact(db: Reader, ws_ids: Sequence[int], year: int, with_published: bool) -> dict[int, int] | None:
    """The visible workspaces holding reports of `year`, with how many each holds, when their totals
    add up to exactly what is visible (no published report from elsewhere, no agency and year in two
    of them); else None."""
    rows = await db.all("SELECT workspace_id, n_reports, n_published FROM report_totals "
                        "WHERE year = :year AND n_reports > 0", {"year": year})
    wanted = set(_scope(ws_ids))
    mine = [(w, n) for w, n, _ in rows if w in wanted]
    if with_published and any(p for w, _, p in rows if w not in wanted):
        return None
    if len(mine) > 1:
        mine.sort(key=lambda t: t[1])
        small = [w for w, _ in mine[:-1]]
        if sum(n for _, n in mine[:-1]) > _OVERLAP_LIMIT:
            return None
        params: dict[str, Any] = {"year": year}
        a_in = db.in_ints("a.workspace_id", "small", small, params)
        b_in = db.in_ints("b.workspace_id", "mine", [w for w, _ in mine], params)
        shared = await db.all(
            "SELECT 1 FROM reports a JOIN reports b ON a.agency_id = b.agency_id AND a.year = b.year "
            f"WHERE {a_in} AND a.year = :year AND a.superseded_by IS NULL AND {b_in} "
            "AND b.workspace_id != a.workspace_id AND b.superseded_by IS NULL LIMIT 1", params)
        if shared:
            return None
    return dict(mine)


async def count_reports(session: Any, ws_ids: Sequence[int], year: int, *, with_published: bool = False) -> int | None:
    """How many reports of `year` the workspaces see; None when the totals cannot tell exactly."""
    scope = await _exact(reader(session), ws_ids, year, with_published)
    return None if scope is None else sum(scope.values())


async def sum_over(session: Any, ws_ids: Sequence[int], year: int, keys: Sequence[str], *,
                   with_published: bool = False) -> tuple[float | None, int] | None:
    """(sum of the figures `keys`, reports) over the reports of `year` the workspaces see, when every
    one of them has every key non-blank (so no report falls back to other keys); the sum is None
    when there is no report. None when the totals cannot give the exact answer."""
    db = reader(session)
    scope = await _exact(db, ws_ids, year, with_published)
    if scope is None or not keys:
        return None
    if not scope:
        return (None, 0)
    n_reports = sum(scope.values())
    params: dict[str, Any] = {"year": year, "keys": db.lst(list(keys))}
    rows = await db.all(
        "SELECT key, SUM(total), SUM(n_values) FROM figure_totals WHERE year = :year AND "
        f"{db.in_ints('workspace_id', 'ws', list(scope), params)} AND {db.in_list('key', 'keys')} GROUP BY key",
        params)
    if len(rows) != len(set(keys)) or any(int(n) != n_reports for _, _, n in rows):
        return None  # a blank or missing figure somewhere: that report's value needs its fallback keys
    return (round(sum(float(t) for _, t, _ in rows), 6), n_reports)


_RANKED_COLS = ("SELECT rf.report_id, rf.value, r.agency_id, r.year, r.file_name, r.verdict, r.error_count, rf.agency "
                "FROM ranked_figures rf JOIN reports r ON r.id = rf.report_id WHERE ")


async def rank(session: Any, ws_ids: Sequence[int], year: int, key: str, n: int, order: str = "desc", *,
               with_published: bool = False) -> list[Ranked] | None:
    """The n reports of `year` the workspaces see with the greatest (order "desc") or least ("asc")
    figure `key`, ties by agency name then report id (as storage.answers orders them), read from the
    ranking index; None when the totals cannot give the exact answer."""
    if not ranked(key) or n <= 0:
        return None
    db = reader(session)
    scope = await _exact(db, ws_ids, year, with_published)
    if scope is None:
        return None
    if not scope:
        return []
    params: dict[str, Any] = {"year": year, "key": key, "n": n}
    have = dict(await db.all(
        "SELECT workspace_id, n_values FROM figure_totals WHERE year = :year AND "
        f"{db.in_ints('workspace_id', 'ws', list(scope), params)} AND key = :key", params))
    if any(have.get(w, 0) != c for w, c in scope.items()):
        return None
    cond = f"{db.in_ints('rf.workspace_id', 'ws', list(scope), params)} AND rf.year = :year AND rf.key = :key"
    by = "DESC" if order == "desc" else "ASC"
    top = [v for v, in await db.all(f"SELECT rf.value FROM ranked_figures rf WHERE {cond} "
                                    f"ORDER BY rf.value {by} LIMIT :n", params)]
    if not top:
        return []
    edge = top[-1]
    out: list[Ranked] = []
    if any(v != edge for v in top):  # strictly better than the n-th value: fewer than n reports
        beyond = "rf.value > :edge" if order == "desc" else "rf.value < :edge"
        rows = [tuple(t) for t in await db.all(_RANKED_COLS + f"{cond} AND {beyond}",
                                              {k: v for k, v in params.items() if k != "n"} | {"edge": edge})]
        sign = -1 if order == "desc" else 1
        rows.sort(key=lambda t: (sign * float(t[1]), t[7], t[0]))
        out += [Ranked(int(t[0]), t[1], t[2], t[3], t[4], t[5], t[6], t[7] or None) for t in rows]
    # The ties at the n-th value, in the index's order (the name in code point order, then the id).
    ties = await db.all(_RANKED_COLS + f"{cond} AND rf.value = :edge ORDER BY rf.agency, rf.report_id LIMIT :n",
                        params | {"edge": edge, "n": n - len(out)})
    out += [Ranked(int(t[0]), t[1], t[2], t[3], t[4], t[5], t[6], t[7] or None) for t in ties]
    return out[:n]


async def sample(session: Any, ws_ids: Sequence[int], year: int, n: int, *,
                 with_published: bool = False) -> list[Ranked] | None:
    """n of the reports of `year` the workspaces see (those of the lowest agency ids, read in the order
    of ix_reports_year_current), by agency name: the sources named under a sum; None as sum_over."""
    db = reader(session)
    scope = await _exact(db, ws_ids, year, with_published)
    if scope is None:
        return None
    params: dict[str, Any] = {"year": year, "n": n}
    rows = await db.all(
        "SELECT r.id, r.agency_id, r.year, r.file_name, r.verdict, r.error_count, COALESCE(a.name, r.agency_name) "
        "FROM reports r LEFT OUTER JOIN agencies a ON a.id = r.agency_id "
        f"WHERE r.year = :year AND r.superseded_by IS NULL AND {db.in_ints('r.workspace_id', 'ws', list(scope), params)} "
        "ORDER BY r.agency_id LIMIT :n", params)
    out = [Ranked(rid, None, aid, y, f, verdict, errors, name) for rid, aid, y, f, verdict, errors, name in rows]
    out.sort(key=lambda x: (x.agency is not None, x.agency or "", x.id))
    return out


async def years(session: Any, ws_ids: Sequence[int], *, with_published: bool = False) -> list[int]:
    """The years of the reports the workspaces see, oldest first (from the yearly totals)."""
    db = reader(session)
    params: dict[str, Any] = {}
    cond = db.in_ints("workspace_id", "ws", _scope(ws_ids), params)
    if with_published:
        cond = f"({cond} OR n_published > 0)"
    return sorted({y for y, in await db.all(f"SELECT DISTINCT year FROM report_totals WHERE n_reports > 0 AND {cond}",
                                           params)})
