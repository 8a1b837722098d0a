"""Answers to questions: parse (reports.questions), read the figures, return what the answer says.

Only current reports (never a superseded version) of the given workspaces are used; None means the
shared library (its own workspace and every published report). An Answer is data (kind, value,
rows, sources, the parsed query, facts); handlers.answers_text writes it as a sentence that always
names the number, the agency's full name, the year and the source file; a question not understood
gets a short help with examples, never an empty or guessed number.

The current visible reports, the agency names and the years are held in memory per engine and
visible-workspace set (a _View), reloaded as soon as the reports or agencies change; a question
then costs one statement: the figures it needs, read by report id from the covering figure index,
together with the stamp that proves the view still holds.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reports.questions import Query, parse_question
from storage import aliases, totals
from storage.names import LIBRARY
from storage.reader import Reader, reader

SOURCE_LIMIT = 100  # sources listed for a sum over many reports
MAX_TOP = 100  # the longest ranking a question gets (前N名, top N)
RESULT_CACHE = 512  # aggregate answers kept per engine and workspace set; 0 turns that cache off


# What an answer can say (Answer.kind), each with the facts its wording needs beyond value, rows,
# sources and the query:
#   help, unknown, ambiguous, which_agency: the query says it all (reason, mention, suggestions,
#   candidates, the kind of question that needs one agency named);
#   empty: no report stored at all;
#   no_agency_reports {agency}; missing_year {agency, year, stored: the years there are};
#   value; share {numerator, denominator}; share_blank {denominator};
#   compare, compare_blank: rows [earlier, later] and their two sources;
#   sum {year, reports}; sum_none {year}; top {year, capped: the longest list given, when cut};
#   top_none {year};
#   compare_all: rows [earlier, later] over the scope; compare_all_missing {year};
#   count {year, scoped}; list_reports {year}; list_agencies {year};
#   compare_agencies {difference}: rows per agency or place {agency, year, value, reports, whole};
#   missing_reports {year}: rows of the roster's agencies without that year's report (year: their latest).
KINDS = frozenset({
    "help", "unknown", "ambiguous", "empty", "no_agency_reports", "missing_year", "value", "share",
    "share_blank", "compare", "compare_blank", "sum", "sum_none", "top", "top_none", "compare_all",
    "compare_all_missing", "count", "list_reports", "list_agencies", "which_agency", "compare_agencies",
    "missing_reports",
})  # fmt: skip


@dataclass
class Answer:
    """What the answer to a question says, as data; handlers.answers_text writes it in zh or en.
    value: the number asked for; rows: the figures behind it (all of them, however long a list);
    sources: the reports they come from; query: the parsed question (its language, label, unit,
    agency mention...); facts: what else the wording needs (see KINDS)."""

    kind: str
    value: float | int | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return "zh" if self.query.get("lang") == "zh" else "en"

    def to_json(self, text: str) -> dict[str, Any]:
        """The answer as `nianbao ask --json` prints it, with its wording `text`."""
        return {"answer": text, "value": self.value, "rows": self.rows, "sources": self.sources, "query": self.query}


# ---------------------------------------------------------------- the view of the store
#
# Per engine and visible-workspace set, a _View holds the current visible reports (one per agency
# and year, chosen in Python from one query), the agency names for the parser and the years. It is
# valid while the stamp holds: this process's change counter plus the highest report id, the report
# count and the highest agency id (other processes' saves and deletes show there). Every answer
# checks the stamp, in the same statement as the figures it reads when it reads any, and starts again
# on a fresh view when the stamp moved.


class _Rep(NamedTuple):
    """A current visible report."""

    id: int
    agency_id: int | None
    year: int | None
    file_name: str | None
    verdict: str
    error_count: int
    agency: str | None  # the agency's full name, else the name printed in the report


@dataclass
class _View:
    stamp: tuple[Any, ...]
    library_id: int | None
    names: list[str]
    ids: dict[str, list[int]]  # full name -> agency ids
    years: list[int]
    by_agency: dict[int, list[_Rep]]  # newest year first (a report without a year last)
    by_year: dict[int | None, list[_Rep]]  # by agency name
    reports: list[_Rep]  # by year, newest first (None last), then agency name
    # A large store's view holds only some agencies' reports (those a question names, or one year):
    # answers over every agency come from storage.aggregates, or from a view of the whole year.
    partial: bool = False
    # Answers over many reports (sums, rankings, counts, lists), valid while the stamp holds.
    results: OrderedDict[tuple[Any, ...], Answer] = field(default_factory=OrderedDict)
    parsed: OrderedDict[tuple[str, dt.date], Query] = field(default_factory=OrderedDict)
    _places: list[str] | None = None

    def places(self, n: int = 10) -> list[str]:
        """The places of the stored agencies (their outermost region named), the most reports first."""
        if self._places is None:
            from reports.agency import agency_region

            count: dict[str, int] = {}
            for name in self.names:
                region = next((p for p in agency_region(name) if p), None)
                if region:
                    count[region] = count.get(region, 0) + len(self.ids.get(name, ()))
            self._places = sorted(count, key=lambda p: (-count[p], p))
        return self._places[:n]


_CACHE: weakref.WeakKeyDictionary[Any, OrderedDict[Any, _View]] = weakref.WeakKeyDictionary()
_LOADING: weakref.WeakKeyDictionary[Any, dict[Any, asyncio.Future[_View]]] = weakref.WeakKeyDictionary()
PARTIAL_VIEWS = 64  # partial views kept per engine (whole views: one per workspace set)
_LIBRARY: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_YEARS: weakref.WeakKeyDictionary[Any, tuple[Any, list[int]]] = weakref.WeakKeyDictionary()  # by stamp
PARSE_CACHE = 1024  # parsed questions kept per view (the parse depends on the view's names and years)


def invalidate_cache() -> None:
    """Forget every cached view (the cache also notices new saves by itself)."""
    _CACHE.clear()
    _YEARS.clear()


# The database's part of the stamp of a whole view, from one scan of a narrow index: saves (highest
# id), deletes (count), publishing and withdrawing by another process (sum of the published ids;
# this process's own changes also bump storage.changes.generation) and new agencies.
_STAMP = ("SELECT max(id) AS s0, count(id) AS s1, sum(CASE WHEN published THEN id END) AS s2, "
          "(SELECT max(id) FROM agencies) AS s3 FROM reports")
# The stamp of a partial view (a large store), without a scan: the same changes seen in the count and
# id sums of the current reports that storage.aggregates keeps per workspace and year with every
# save, supersede, publish and delete, and in the reports without a year.
_STAMP_FAST = (
    "SELECT (SELECT max(id) FROM reports) AS s0, COALESCE(SUM(n_reports), 0) AS s1, "
    "COALESCE(SUM(report_ids), 0) AS s2, COALESCE(SUM(published_ids), 0) AS s3, "
    "(SELECT max(id) FROM agencies) AS s4, (SELECT count(id) FROM reports WHERE year IS NULL) AS s5, "
    "(SELECT sum(CASE WHEN published THEN id END) FROM reports WHERE year IS NULL) AS s6 FROM report_totals"
)
_STAMP_SIZE = {False: 4, True: 7}


def _stamp(partial: bool) -> str:
    return _STAMP_FAST if partial else _STAMP


def _values_sql(postgres: bool, mode: str, partial: bool = False) -> str:
    """One statement over the report ids `ids` whose rows end with the stamp (computed once per
    statement), so the figures and the stamp come from one snapshot. Modes:
    each: (id, value of k1/f1, value of k2/f2, *stamp) per report;
    total: (sum of the values, reports with a value, *stamp), one row;
    asc / desc: (id, value, *stamp) for the `n` reports of least / greatest value (ties in the
    order of `ids`), blank values left out.
    A report's value is the sum of its non-blank figures `keys`, or of `fallback` when every key is
    blank or absent (NULL when both are); a blank figure has a NULL value (ck_figures_null), which
    sum() skips. COALESCE evaluates the fallback only when needed; each key is one probe of
    ix_figures_key_report_value. The ids are one parameter (an array on PostgreSQL, a JSON array on
    SQLite), so the text never changes with their number and the driver keeps it prepared."""
    if postgres:
        ids, rid, pos = "unnest(CAST(:ids AS INTEGER[])) WITH ORDINALITY AS i(rid, pos)", "i.rid", "i.pos"
        figures = "figures"

        def keys_in(name: str) -> str:
            return f"figures.key = ANY(CAST(:{name} AS VARCHAR[]))"
    else:
        ids, rid, pos = "json_each(:ids) AS i", "i.value", "i.key"
        # SQLite's planner takes the unique (report_id, key) index, which then reads each value from
        # the table; the covering index answers from the index alone (~4x faster over a year).
        figures = "figures INDEXED BY ix_figures_key_report_value"

        def keys_in(name: str) -> str:
            return f"figures.key IN (SELECT k.value FROM json_each(:{name}) AS k)"

    def value(keys: str, fallback: str) -> str:
        def total(name: str) -> str:
            return f"(SELECT sum(figures.value) FROM {figures} WHERE {keys_in(name)} AND figures.report_id = {rid})"
        return f"COALESCE({total(keys)}, {total(fallback)})"

    stamp = f"({_stamp(partial)}) AS stamp"
    cols = [f"stamp.s{i}" for i in range(_STAMP_SIZE[partial])]
    if mode == "each":
        return (f"SELECT {rid}, {value('k1', 'f1')}, {value('k2', 'f2')}, {', '.join(cols)} "
                f"FROM {ids} JOIN {stamp} ON 1 = 1")
    # Materialized, so each value is computed once however often the outer query names it.
    per = f"WITH per AS MATERIALIZED (SELECT {rid} AS rid, {pos} AS pos, {value('k1', 'f1')} AS v FROM {ids}) "
    if mode == "total":
        return (per + f"SELECT sum(per.v), count(per.v), {', '.join(f'max({c})' for c in cols)} "
                f"FROM per JOIN {stamp} ON 1 = 1")
    order = "ASC" if mode == "asc" else "DESC"
    return (per + f"SELECT per.rid, per.v, {', '.join(cols)} FROM per JOIN {stamp} ON 1 = 1 "
            f"WHERE per.v IS NOT NULL ORDER BY per.v {order}, per.pos LIMIT :n")


_STATEMENTS: dict[tuple[bool, str, bool], str] = {}


def _visible(db: Reader, workspaces: Sequence[int] | None, library_id: int | None,
             params: dict[str, Any]) -> tuple[str, str]:
    """(condition, preference) on reports `r`: current reports of the workspaces, where the library
    means its own reports and all published ones; the workspaces' own versions are preferred."""
    ws = [library_id] if workspaces is None else list(workspaces)
    own = db.in_ints("r.workspace_id", "ws", [w for w in ws if w is not None], params)
    cond = own
    if library_id is not None and library_id in ws:
        cond = f"({own} OR r.published)"
    return f"r.superseded_by IS NULL AND {cond}", f"CASE WHEN {own} THEN 0 ELSE 1 END"


def _asc(v: Any) -> tuple[bool, Any]:
    """A sort key that puts None first (as SQL sorts NULL ascending on SQLite)."""
    return (v is not None, v if v is not None else 0)


async def _load(db: Reader, workspaces: Sequence[int] | None, part: Any = None,
                named: tuple[tuple[Any, ...], list[tuple[int, str]]] | None = None) -> _View:
    """The view of the visible current reports; `part` ("agencies", ids, years or None for every year)
    or ("year", year or None for every year) makes a partial view of those reports only, ("names",
    ids) one of those agencies' names alone (no report: what the parser needs); `named`: (the stamp,
    those names) when _names_part has read them, in that order. The stamp is read first: a change
    landing while the rows load makes the next check fail and the view load again, never the other
    way round."""
    stamp = named[0] if named is not None else (db.generation(), *(await db.one(_stamp(part is not None))))
    library_id = _LIBRARY.get(db.key)
    if library_id is None:
        library_id = await _library_id(db)
    if part is not None and part[0] == "names":
        ws, with_published = _scope(workspaces, library_id)
        found = named[1] if named is not None else await aliases.named(db, set(part[1]), ws, with_published)
        by_name: dict[str, list[int]] = {}
        for aid, name in found:
            by_name.setdefault(name, []).append(aid)
        return _View(stamp, library_id, list(by_name), by_name,
                     await _partial_years(db, workspaces, library_id, stamp), {}, {}, [], partial=True)
    params: dict[str, Any] = {}
    cond, prefer = _visible(db, workspaces, library_id, params)
    if part is not None and part[0] == "agencies":
        cond += " AND " + db.in_ints("r.agency_id", "agencies", list(part[1]), params)
        if part[2] is not None:
            cond += " AND " + db.in_ints("r.year", "years", list(part[2]), params)
    elif part is not None and part[1] is not None:
        cond += " AND r.year = :year"
        params["year"] = part[1]
    rows = await db.all(
        "SELECT r.id, r.agency_id, r.year, r.file_name, r.verdict, r.error_count, COALESCE(a.name, r.agency_name), "
        f"a.name, {prefer} FROM reports r LEFT OUTER JOIN agencies a ON a.id = r.agency_id WHERE {cond}", params)
    # One report per agency and year: the asking workspaces' own version first, then the newest.
    best: dict[tuple[Any, ...], tuple[tuple[int, int], _Rep]] = {}
    agency_names: dict[int, str] = {}
    for rid, aid, year, file_name, verdict, errors, shown, agency_name, pref in rows:
        if aid is not None:
            agency_names[aid] = agency_name
        group = (aid, year) if aid is not None else (None, -rid)
        rank = (pref, -rid)
        if group not in best or rank < best[group][0]:
            best[group] = (rank, _Rep(rid, aid, year, file_name, verdict, errors, shown))
    chosen = [r for _, r in best.values()]
    chosen.sort(key=lambda r: (_asc(r.agency), r.id))
    by_year: dict[int | None, list[_Rep]] = {}
    by_agency: dict[int, list[_Rep]] = {}
    for r in chosen:
        by_year.setdefault(r.year, []).append(r)
        if r.agency_id is not None:
            by_agency.setdefault(r.agency_id, []).append(r)
    for reps in by_agency.values():
        reps.sort(key=lambda r: (r.year is None, -(r.year or 0)))
    years = sorted(y for y in by_year if y is not None)
    ordered = [r for y in [*reversed(years), *([None] if None in by_year else [])] for r in by_year[y]]
    ids: dict[str, list[int]] = {}
    for aid in sorted(agency_names):
        ids.setdefault(agency_names[aid], []).append(aid)
    if part is not None:
        years = await _partial_years(db, workspaces, library_id, stamp)
    return _View(stamp, library_id, list(ids), ids, years, by_agency, by_year, ordered, partial=part is not None)


async def _partial_years(db: Reader, workspaces: Sequence[int] | None, library_id: int | None,
                         stamp: tuple[Any, ...]) -> list[int]:
    """The years of every visible report, from the yearly totals (a partial view's years)."""
    ws, with_published = _scope(workspaces, library_id)
    known = _YEARS.get(db.key)
    if known is not None and known[0] == (stamp, tuple(ws)):
        return list(known[1])
    years = await totals.years(db, ws, with_published=with_published)
    _YEARS[db.key] = ((stamp, tuple(ws)), years)
    return list(years)


def _scope(workspaces: Sequence[int] | None, library_id: int | None) -> tuple[list[int], bool]:
    """(workspace ids, whether published reports of any workspace are seen too), as _visible reads them."""
    ws = [w for w in ([library_id] if workspaces is None else list(workspaces)) if w is not None]
    return ws, library_id is not None and library_id in ws


async def _library_id(db: Reader) -> int | None:
    return await db.scalar("SELECT id FROM workspaces WHERE name = :name", {"name": LIBRARY})


async def _view(db: Reader, workspaces: Sequence[int] | None, fresh: bool = False,
                part: Any = None, named: Any = None) -> _View:
    engine = db.key
    per_engine = _CACHE.setdefault(engine, OrderedDict())
    key: Any = None if workspaces is None else tuple(sorted(workspaces))
    if part is not None:
        key = (key, part)
    cached = per_engine.get(key)
    if cached is not None and not fresh and cached.stamp[0] == db.generation():
        return cached
    # Questions arriving together on a missing view wait for one load instead of each loading it
    # (a caller that found the view stale loads its own).
    loading = _LOADING.setdefault(engine, {})
    pending = None if fresh else loading.get(key)
    if pending is not None:
        await asyncio.wait([pending])
        if not pending.cancelled() and pending.result().stamp[0] == db.generation():
            return pending.result()
    future: asyncio.Future[_View] = asyncio.get_running_loop().create_future()
    loading[key] = future
    try:
        cached = per_engine[key] = await _load(db, workspaces, part, named)
        if part is not None:
            per_engine.move_to_end(key)
            partial = [k for k, v in per_engine.items() if v.partial]
            for old in partial[:max(0, len(partial) - PARTIAL_VIEWS)]:
                del per_engine[old]
        future.set_result(cached)
        return cached
    finally:
        future.cancel()  # a no-op once the result is set
        if loading.get(key) is future:
            del loading[key]


class _Stale(Exception):
    """The store changed since the view was loaded: answer again on a fresh view."""


def _num(v: float | None) -> int | float | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else round(float(v), 4)


def _source(r: Any) -> dict[str, Any]:
    return {"report_id": r.id, "file": r.file_name, "agency": r.agency, "year": r.year}


def _copy(a: Answer) -> Answer:
    return Answer(a.kind, a.value, [dict(r) for r in a.rows], [dict(s) for s in a.sources], copy.deepcopy(a.query),
                  copy.deepcopy(a.facts))


# ---------------------------------------------------------------- the answer


async def answer(session: Any, text: str, *, workspaces: Sequence[int] | None = None,
                 today: dt.date | None = None, lang: str | None = None,
                 previous: dict[str, Any] | None = None) -> Answer:
    """Answer a question from the current reports of `workspaces` (None: the shared library).
    `previous`: the chat's last parsed question (Answer.query), for follow-ups ("那2022年呢？").
    `session`: an AsyncSession, or a storage.reader.Reader."""
    db = reader(session)
    today = today or dt.date.today()
    fresh = False
    for attempt in range(4):
        # A follow-up's agencies come from the previous question, not its words: the whole view.
        part, named = (None, None) if previous is not None else await _names_part(db, workspaces, text)
        names = await _view(db, workspaces, fresh, part, named)
        q = _parse(names, text, today) if previous is None else parse_question(
            text, today=today, agencies=names.names, years=names.years, previous=previous)
        if lang in ("zh", "en"):
            q.lang = lang
        view = names
        if part is not None and _needs_reports(q):
            # A large store: the reports of the agencies the question names, once it is parsed.
            view = await _view(db, workspaces, fresh, ("agencies", tuple(sorted(
                {i for n in q.agencies for i in names.ids.get(n, [])})), _years_needed(q)))
            if view.stamp != names.stamp and attempt < 3:
                fresh = True
                continue
        ctx = _Ctx(db, q, view, names, last=attempt == 3, workspaces=workspaces)
        try:
            out = await ctx.run()
            if not ctx.checked:
                await ctx.check()
        except _Stale:
            fresh = True
            continue
        out.query = q.to_json()
        return out
    raise AssertionError("unreachable: the last attempt never raises _Stale")


async def _names_part(db: Reader, workspaces: Sequence[int] | None, text: str) -> tuple[Any, Any]:
    """In a large store, the part of the view a question needs: the agencies its words can name
    (storage.aliases, by index), with (the stamp read before them, their ids and names) for the view
    to be made of; (None, None) in a small one, whose view holds every visible report."""
    library_id = _LIBRARY.get(db.key)
    if library_id is None:  # the library's id never changes once it exists
        library_id = await _library_id(db)
        if library_id is not None:
            _LIBRARY[db.key] = library_id
    ws, with_published = _scope(workspaces, library_id)
    stamp = (db.generation(), *await db.one(_STAMP_FAST)) if aliases.is_large(db.key) else None
    found = await aliases.resolve_agency(db, text, visible=ws, with_published=with_published)
    if found is None:
        return None, None
    part = ("names", tuple(i for i, _ in found))
    # A store that just became large has no stamp read before the names: the view reads its own.
    return part, (None if stamp is None else (stamp, found))


def _parse(view: _View, text: str, today: dt.date) -> Query:
    key = (text, today)
    hit = view.parsed.get(key)
    if hit is None:
        hit = view.parsed[key] = parse_question(text, today=today, agencies=view.names, years=view.years)
        if len(view.parsed) > PARSE_CACHE:
            view.parsed.popitem(last=False)
    return copy.copy(hit)


def _from_question_alone(q: Query) -> str | None:
    """The _Ctx method that answers `q` from the question alone (no figure read), if any."""
    if q.kind == "help":
        return "help"
    if q.agency_status == "unknown":
        return "unknown"
    if q.agency_status == "ambiguous" and q.kind in ("value", "compare", "share", "sum"):
        return "ambiguous"
    if q.kind in ("value", "share") and not q.agencies:
        return "which_agency"
    return None


def _needs_reports(q: Query) -> bool:
    """Whether the answer reads the reports of the agencies the question names (_Ctx.run answers
    the others from the question alone, or from every agency's totals)."""
    return bool(q.agencies) and _from_question_alone(q) is None


def _years_needed(q: Query) -> tuple[int, ...] | None:
    """The years of the named agencies' reports the answer reads, when the question names them and
    the answer reads no other (a sum over a place's agencies); None: every year (an agency's latest
    report, the years it has)."""
    if not q.years:
        return None
    if q.kind in ("sum", "top", "count", "list_reports", "list_agencies", "compare_agencies"):
        return (q.years[0],)
    if q.kind == "compare" and q.agency_status != "resolved" and q.base_year is None:
        late = q.years[-1]
        return tuple(sorted({q.years[0] if len(q.years) >= 2 else late - 1, late}))
    return None


class _Ctx:
    def __init__(self, db: Reader, q: Query, view: _View, names: _View | None = None, last: bool = False,
                 workspaces: Sequence[int] | None = None) -> None:
        self.s, self.q, self.view, self.workspaces = db, q, view, workspaces
        self.names = names or view  # names and ids, as the parser saw them
        self.last = last  # the last attempt takes what it reads, changed or not
        self.checked = False

    def ids(self, names: Sequence[str]) -> list[int]:
        return [i for n in names for i in self.names.ids.get(n, [])]

    # -- the stamp and the figures

    def generation(self) -> int:
        return self.s.generation()

    def _verify(self, db_stamp: tuple[Any, ...]) -> None:
        self.checked = True
        if (self.generation(), *db_stamp) != self.view.stamp and not self.last:
            raise _Stale

    async def check(self) -> None:
        """The view still holds (one indexed statement)."""
        if self.generation() != self.view.stamp[0] and not self.last:
            raise _Stale
        self._verify(tuple(await self.s.one(_stamp(self.view.partial))))

    async def _run(self, mode: str, reps: Sequence[_Rep], keys: Sequence[str], fallback: Sequence[str],
                   keys2: Sequence[str] = (), fallback2: Sequence[str] = (), n: int = 0) -> list[Any]:
        """The rows of _values_sql(mode) over `reps`, the stamp checked on the way."""
        if self.generation() != self.view.stamp[0] and not self.last:
            raise _Stale
        db, partial = self.s, self.view.partial
        sql = _STATEMENTS.get((db.postgres, mode, partial))
        if sql is None:
            sql = _STATEMENTS[db.postgres, mode, partial] = _values_sql(db.postgres, mode, partial)
        lists: dict[str, Any] = {"ids": db.lst([r.id for r in reps]), "k1": db.lst(keys), "f1": db.lst(fallback),
                                 "k2": db.lst(keys2), "f2": db.lst(fallback2)}
        if mode in ("asc", "desc"):
            lists["n"] = n
        rows = await db.all(sql, lists)
        size = _STAMP_SIZE[partial]
        if rows and rows[0][1 - size] is not None:  # the count; NULL when `total` had no ids
            self._verify(tuple(rows[0][-size:]))
        else:
            await self.check()
        return rows

    async def values(self, reps: Sequence[_Rep], keys: Sequence[str], fallback: Sequence[str],
                     keys2: Sequence[str] = (), fallback2: Sequence[str] = ()) -> dict[int, tuple[Any, Any]]:
        """Each report's value (and a second value, of keys2 / fallback2): one statement."""
        return {row[0]: (_num(row[1]), _num(row[2]))
                for row in await self._run("each", reps, keys, fallback, keys2, fallback2)}

    # -- every agency, in a partial view (a large store)

    def _everyone(self, ids: list[int] | None) -> bool:
        return ids is None and self.view.partial

    def _agg(self) -> tuple[list[int], bool]:
        return _scope(self.workspaces, self.view.library_id)

    async def _whole(self, year: int | None) -> None:
        """Answer from the view of every visible report of `year` (None: of every year), where the
        totals cannot give the answer exactly."""
        for fresh in (False, True):
            view = await _view(self.s, self.workspaces, fresh, ("year", year))
            if view.stamp == self.view.stamp:
                self.view = view
                return
        if not self.last:
            raise _Stale
        self.view = view

    async def _total_of(self, year: int) -> tuple[float | None, int] | None:
        """(sum, reports with a value) of the metric over every agency's report of `year`, from the
        totals; None when they cannot say exactly."""
        ws, pub = self._agg()
        return await totals.sum_over(self.s, ws, year, self.q.metric, with_published=pub)

    async def run(self) -> Answer:
        q = self.q
        alone = _from_question_alone(q)
        if alone is not None:
            return getattr(self, alone)()
        if q.kind in ("value", "share", "compare_agencies") or (q.kind == "compare" and q.agency_status == "resolved"):
            return await getattr(self, q.kind)()
        if RESULT_CACHE <= 0:
            return await getattr(self, q.kind)()
        # Aggregates over many reports are cached with the view (until the store changes).
        key = (q.kind, tuple(q.metric), tuple(q.fallback), q.agency_status, tuple(q.agencies), tuple(q.years),
               q.n, q.order, q.verdict, q.count_of, q.region, q.agency_mention, q.base_year)  # not lang: no wording here
        results = self.view.results
        hit = results.get(key)
        if hit is None:
            hit = await getattr(self, q.kind)()
            results[key] = hit
            if len(results) > RESULT_CACHE:
                results.popitem(last=False)
        else:
            await self.check()
            results.move_to_end(key)
        return _copy(hit)

    # -- the questions back

    def help(self) -> Answer:
        return Answer("help")  # the reason why is in the query

    def unknown(self) -> Answer:
        facts = {} if self.q.suggestions else {"places": self.view.places()}
        return Answer("unknown", rows=[{"agency": a, "year": None, "value": None} for a in self.q.suggestions],
                      facts=facts)

    def ambiguous(self) -> Answer:
        return Answer("ambiguous", rows=[{"agency": a, "year": None, "value": None} for a in self.q.agencies])

    def which_agency(self) -> Answer:
        return Answer("which_agency")  # the kind of question (value or share) is in the query

    # -- one agency

    def _agency_reports(self) -> list[_Rep]:
        """The agency's current reports, newest year first."""
        ids = self.ids(self.q.agencies)
        if len(ids) == 1:
            return self.view.by_agency.get(ids[0], [])
        reps = [r for i in ids for r in self.view.by_agency.get(i, [])]
        reps.sort(key=lambda r: (r.year is None, -(r.year or 0)))
        return reps

    async def _value_of(self, r: _Rep, keys: Sequence[str], fallback: Sequence[str]) -> int | float | None:
        return (await self.values([r], keys, fallback))[r.id][0]

    def _missing_year(self, agency: str, year: int, have: list[int]) -> Answer:
        return Answer("missing_year", facts={"agency": agency, "year": year, "stored": sorted(have)})

    def _pick(self) -> tuple[_Rep | None, Answer | None]:
        reports = self._agency_reports()
        agency = self.q.agencies[0]
        if not reports:
            return None, Answer("no_agency_reports", facts={"agency": agency})
        if self.q.years:
            hit = [r for r in reports if r.year == self.q.years[0]]
            if not hit:
                return None, self._missing_year(agency, self.q.years[0], [r.year for r in reports])
            return hit[0], None
        return reports[0], None

    async def value(self) -> Answer:
        r, err = self._pick()
        if err:
            return err
        assert r is not None
        v = await self._value_of(r, self.q.metric, self.q.fallback)
        return Answer("value", v, [{"agency": r.agency, "year": r.year, "value": v}], [_source(r)])

    async def share(self) -> Answer:
        r, err = self._pick()
        if err:
            return err
        assert r is not None
        num, den = (await self.values([r], self.q.metric, self.q.fallback, self.q.denominator,
                                      self.q.denominator_fallback))[r.id]
        if num is None or not den:
            return Answer("share_blank", None, [], [_source(r)], facts={"denominator": den})
        pct = round(num / den * 100, 2)
        return Answer("share", pct, [{"agency": r.agency, "year": r.year, "value": pct}], [_source(r)],
                      facts={"numerator": num, "denominator": den})

    async def compare(self) -> Answer:
        reports = self._agency_reports() if self.q.agency_status == "resolved" else None
        if reports is None:
            return await self._compare_all()
        agency = self.q.agencies[0]
        by_year = {r.year: r for r in reports}
        if self.q.base_year is not None and reports:  # "比2023年": against the latest report
            early, late = self.q.base_year, reports[0].year
            if late == early:
                return self._missing_year(agency, early + 1, list(by_year))
        elif self.q.years:
            early, late = self.q.years[0], self.q.years[-1]
        elif reports:
            late = reports[0].year
            early = late - 1
        else:
            return Answer("no_agency_reports", facts={"agency": agency})
        for y in (late, early):
            if y not in by_year:
                return self._missing_year(agency, y, list(by_year))
        a, b = by_year[early], by_year[late]
        vals = await self.values([a, b], self.q.metric, self.q.fallback)
        va, vb = vals[a.id][0], vals[b.id][0]
        rows = [{"agency": agency, "year": early, "value": va}, {"agency": agency, "year": late, "value": vb}]
        if va is None or vb is None:
            return Answer("compare_blank", None, rows, [_source(a), _source(b)])
        return Answer("compare", _num(vb - va), rows, [_source(a), _source(b)])

    # -- many agencies

    def _scope_ids(self) -> list[int] | None:
        if self.q.agency_status in ("region", "ambiguous", "resolved"):
            return self.ids(self.q.agencies)
        return None

    def _in(self, ids: list[int] | None, year: int | None = None, every_year: bool = False) -> list[_Rep]:
        """The current reports of the agencies `ids` (None: all) of `year` (or of every year), by year
        (newest first) and agency name."""
        reps = self.view.reports if every_year else self.view.by_year.get(year, [])
        if ids is None:
            return reps
        wanted = set(ids)
        return [r for r in reps if r.agency_id in wanted]

    def _year(self, ids: list[int] | None) -> int | None:
        if self.q.years:
            return self.q.years[0]
        if ids is None:
            return self.view.years[-1] if self.view.years else None
        return max((r.year for i in ids for r in self.view.by_agency.get(i, []) if r.year is not None), default=None)

    async def sum(self) -> Answer:
        ids = self._scope_ids()
        year = self._year(ids)
        if year is None:
            return Answer("empty")
        if self._everyone(ids):
            got = await self._total_of(year)
            ws, pub = self._agg()
            sample = await totals.sample(self.s, ws, year, SOURCE_LIMIT, with_published=pub) if got else None
            if got is not None and sample is not None:
                await self.check()
                if not got[1]:
                    return Answer("sum_none", facts={"year": year})
                return Answer("sum", _num(got[0]), [], [_source(r) for r in sample],
                              facts={"year": year, "reports": got[1]})
            await self._whole(year)
        reps = self._in(ids, year)
        total, n_with = (await self._run("total", reps, self.q.metric, self.q.fallback))[0][:2]
        if not reps:
            return Answer("sum_none", facts={"year": year})
        v = _num(total) if n_with else None
        return Answer("sum", v, [], [_source(r) for r in reps[:SOURCE_LIMIT]],
                      facts={"year": year, "reports": len(reps)})

    async def top(self) -> Answer:
        ids = self._scope_ids()
        year = self._year(ids)
        if year is None:
            return Answer("empty")
        n = min(self.q.n or 5, MAX_TOP)  # a number from the user: 前99999999999999999999名 overflows a LIMIT
        order = "asc" if self.q.order == "asc" else "desc"
        got = None
        if self._everyone(ids) and len(self.q.metric) == 1:
            ws, pub = self._agg()
            got = await totals.rank(self.s, ws, year, self.q.metric[0], n, order, with_published=pub)
        if got is not None:
            await self.check()
            ranked = [(_Rep(r.id, r.agency_id, r.year, r.file_name, r.verdict, r.error_count, r.agency), r.value)
                      for r in got]
        else:
            if self._everyone(ids):
                await self._whole(year)
            reps = self._in(ids, year)  # by agency name, which settles ties
            by_id = {r.id: r for r in reps}
            ranked = [(by_id[rid], v) for rid, v, *_ in await self._run(order, reps, self.q.metric, self.q.fallback,
                                                                         n=n)]
        if not ranked:
            return Answer("top_none", facts={"year": year})
        out = [{"agency": r.agency, "year": r.year, "value": _num(v)} for r, v in ranked]
        return Answer("top", out[0]["value"] if len(out) == 1 else None, out, [_source(r) for r, _ in ranked],
                      facts={"year": year, "capped": MAX_TOP if (self.q.n or 0) > MAX_TOP else None})

    async def _compare_all(self) -> Answer:
        ids = self._scope_ids()
        late = self.q.years[-1] if self.q.years and self.q.base_year is None else self._year(ids)
        if late is None:
            return Answer("empty")
        early = self.q.years[0] if len(self.q.years) >= 2 or self.q.base_year is not None else late - 1
        totals = []
        for y in (early, late):
            got = await self._total_of(y) if self._everyone(ids) else None
            if got is not None:
                await self.check()
                t, n = got
            else:
                if self._everyone(ids):
                    await self._whole(y)
                t, n = (await self._run("total", self._in(ids, y), self.q.metric, self.q.fallback))[0][:2]
            totals.append(_num(t) if n else None)
        rows = [{"agency": None, "year": early, "value": totals[0]}, {"agency": None, "year": late, "value": totals[1]}]
        if None in totals:
            missing = early if totals[0] is None else late
            return Answer("compare_all_missing", None, rows, facts={"year": missing})
        return Answer("compare_all", _num(totals[1] - totals[0]), rows)

    async def count(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        if self._everyone(ids) and self.q.count_of == "reports" and year is not None:
            ws, pub = self._agg()
            got = await totals.count_reports(self.s, ws, year, with_published=pub)
            if got is not None:
                await self.check()
                return Answer("count", got, facts={"year": year, "scoped": False})
        if self._everyone(ids):
            await self._whole(year)
        reps = self._in(ids, year, every_year=year is None)
        if self.q.count_of == "agencies":
            n = len({r.agency for r in reps if r.agency is not None})
        else:
            n = len(reps)
        return Answer("count", n, facts={"year": year, "scoped": ids is not None})

    async def list_reports(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        if self._everyone(ids):
            await self._whole(year)
        rows = self._in(ids, year, every_year=year is None)
        if self.q.verdict:
            rows = [r for r in rows if r.verdict == self.q.verdict]
        out = [{"agency": r.agency, "year": r.year, "value": r.error_count, "verdict": r.verdict,
                "file": r.file_name, "report_id": r.id} for r in rows]
        return Answer("list_reports", len(rows), out, [_source(r) for r in rows], facts={"year": year})

    async def list_agencies(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        if self._everyone(ids):
            await self._whole(year)
        reps = sorted(self._in(ids, year, every_year=year is None), key=lambda r: (_asc(r.agency), _asc(r.year)))
        years: dict[str, list[int]] = {}
        for r in reps:
            years.setdefault(r.agency, []).append(r.year)  # type: ignore[arg-type]
        out = [{"agency": a, "year": y, "value": None} for a, ys in years.items() for y in ys]
        return Answer("list_agencies", len([a for a in years if a is not None]), out, facts={"year": year})

    async def compare_agencies(self) -> Answer:
        """One figure of two or more agencies (or places: the sum over their agencies), one year each:
        the year asked, else each one's latest."""
        rows: list[dict[str, Any]] = []
        sources: list[dict[str, Any]] = []
        for part in self.q.parts:
            ids = self.ids(part["agencies"])
            year = self._year(ids)
            reps = self._in(ids, year) if year is not None else []
            value = None
            if reps:
                total, n_with = (await self._run("total", reps, self.q.metric, self.q.fallback))[0][:2]
                value = _num(total) if n_with else None
            rows.append({"agency": part["label"], "year": year, "value": value, "reports": len(reps),
                         "whole": part["whole"]})
            sources += [_source(r) for r in reps[:SOURCE_LIMIT]]
        if not self.checked:
            await self.check()
        numbers = [r["value"] for r in rows if r["value"] is not None]
        return Answer("compare_agencies", None, rows, sources,
                      facts={"difference": _num(numbers[0] - numbers[1]) if len(rows) == 2 and len(numbers) == 2
                             else None})

    async def missing_reports(self) -> Answer:
        """Agencies of the roster without a report for the year: the roster is every agency (in the
        scope asked) with a report for an earlier year; the year is the one asked, else the latest."""
        ids = self._scope_ids()
        if self._everyone(ids):  # a large store: the roster needs every agency of every year
            await self._whole(None)
        year = self.q.years[0] if self.q.years else (self.view.years[-1] if self.view.years else None)
        if year is None:
            return Answer("empty")
        if self._everyone(ids):
            await self._whole(None)  # the roster is every agency with an earlier report
        wanted = None if ids is None else set(ids)
        have = {r.agency_id for r in self.view.by_year.get(year, [])}
        roster: dict[str, int] = {}
        for aid, reps in self.view.by_agency.items():
            if wanted is not None and aid not in wanted:
                continue
            earlier = [r.year for r in reps if r.year is not None and r.year < year]
            if earlier and aid not in have:
                roster[reps[0].agency or ""] = max(earlier)
        rows = [{"agency": a, "year": y, "value": None} for a, y in sorted(roster.items())]
        return Answer("missing_reports", len(rows), rows, facts={"year": year})


# ---------------------------------------------------------------- where a number comes from

SOURCE_REPORTS = 5  # reports detailed by a source request
SOURCE_CELLS = 12  # cells listed per report


async def source_details(session: Any, a: Answer) -> list[dict[str, Any]]:
    """Where the answer's number comes from: per source report (at most SOURCE_REPORTS), its file
    and the cells used, each with its value and, when the reading recorded them, page and line."""
    ids = [s["report_id"] for s in a.sources[:SOURCE_REPORTS] if s.get("report_id") is not None]
    if not ids:
        return []
    db = reader(session)
    rows = {rid: (file_name, json.loads(data) if isinstance(data, str) else data)
            for rid, file_name, data in await db.all(
                f"SELECT id, file_name, report_json FROM reports WHERE {db.in_list('id', 'ids', 'INTEGER')}",
                {"ids": db.lst(ids)})}
    metric = [k for k in a.query.get("metric") or [] if isinstance(k, str)]
    fallback = [k for k in a.query.get("fallback") or [] if isinstance(k, str)]
    out = []
    for s in a.sources[:SOURCE_REPORTS]:
        file_name, data = rows.get(s["report_id"], (s.get("file"), {}))
        figures, where = (data or {}).get("figures") or {}, (data or {}).get("sources") or {}
        keys = metric if any(figures.get(k) is not None for k in metric) or not fallback else fallback
        cells = [{"key": k, "value": _num(figures.get(k)), "page": (where.get(k) or {}).get("page"),
                  "line": (where.get(k) or {}).get("line")} for k in keys[:SOURCE_CELLS] if k in figures]
        out.append({"file": file_name, "agency": s.get("agency"), "year": s.get("year"), "cells": cells,
                    "more": max(0, len(keys) - SOURCE_CELLS)})
    return out


# ---------------------------------------------------------------- the command line's question


def answered(result: Answer) -> bool:
    """Whether the answer carries a figure (0 counts): not a help text, a suggestion, or "no data"."""
    return result.value is not None or any(r.get("value") is not None for r in result.rows)


async def answer_stored(url: str, text: str, workspace: str | None = None, lang: str | None = None) -> Answer | None:
    """Answer from the store at `url` (`nianbao ask`): the shared library, or the workspace named
    `workspace` (None when there is no such workspace). A store at the newest migration is read
    straight through its driver (storage.reader.DriverReader: no SQLAlchemy to load); one missing or
    older is opened as every command opens it, which creates or upgrades it."""
    from storage.reader import DriverReader

    driver = await DriverReader.open(url)
    if driver is not None:
        try:
            return await _answer_in(driver, text, workspace, lang)
        finally:
            await driver.close()
    from storage.db import open_store

    async with await open_store(url) as store, store.sessions() as session:
        return await _answer_in(reader(session), text, workspace, lang)


async def _answer_in(db: Reader, text: str, workspace: str | None, lang: str | None) -> Answer | None:
    ws: list[int] | None = None
    if workspace and workspace != LIBRARY:
        wid = await db.scalar("SELECT id FROM workspaces WHERE name = :name", {"name": workspace})
        if wid is None:
            return None
        ws = [wid]
    return await answer(db, text, workspaces=ws, lang=lang)
