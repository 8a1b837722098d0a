"""Answers to questions: parse (reports.questions), read the figures, say the result.

Only current reports (never a superseded version) of the given workspaces are used; None means the
shared library (its own workspace and every published report). The text always names the number,
the agency's full name, the year and the source file; a question not understood gets a short help
with examples, never an empty or guessed number.

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
import re
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    event,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from reports.questions import EXAMPLES, Query, parse_question
from storage.models import LIBRARY, Agency, Figure, Report, Workspace

LIST_LIMIT = 20  # lines of a list printed in the text (rows hold them all)
SOURCE_LIMIT = 100  # sources listed for a sum over many reports
RESULT_CACHE = 512  # aggregate answers kept per engine and workspace set; 0 turns that cache off


@dataclass
class Answer:
    text: str
    value: float | int | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.text, "value": self.value, "rows": self.rows, "sources": self.sources,
                "query": self.query}


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
    # Answers over many reports (sums, rankings, counts, lists), valid while the stamp holds.
    results: OrderedDict[tuple[Any, ...], Answer] = field(default_factory=OrderedDict)
    parsed: OrderedDict[tuple[str, dt.date], Query] = field(default_factory=OrderedDict)


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...] | None, _View]] = weakref.WeakKeyDictionary()
_LOADING: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...] | None, asyncio.Future[_View]]] = weakref.WeakKeyDictionary()
PARSE_CACHE = 1024  # parsed questions kept per view (the parse depends on the view's names and years)


def invalidate_cache() -> None:
    """Forget every cached view (the cache also notices new saves by itself)."""
    _CACHE.clear()


_generation = 0  # bumped by every change to reports or agencies made in this process


def _touched(objects: Any) -> bool:
    return any(isinstance(o, Report | Agency | Figure) for o in objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    global _generation
    if _touched(session.new) or _touched(session.dirty) or _touched(session.deleted):
        _generation += 1


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: Any) -> None:
    global _generation
    if (state.is_update or state.is_delete or state.is_insert) and getattr(state.statement, "table", None) is not None \
            and state.statement.table.name in ("reports", "figures", "agencies"):
        _generation += 1  # e.g. publishing: UPDATE reports SET published


_R, _F, _A = Report.__table__, Figure.__table__, Agency.__table__
# The database's part of the stamp, from one scan of a narrow index: saves (highest id), deletes
# (count), publishing and withdrawing by another process (sum of the published ids; this process's
# own changes also bump _generation) and new agencies.
_STAMP = select(func.max(_R.c.id), func.count(_R.c.id), func.sum(case((_R.c.published, _R.c.id))),
                select(func.max(_A.c.id)).scalar_subquery())
_STAMP_ROW = _STAMP.subquery("stamp")
_STAMP_SIZE = len(_STAMP_ROW.c)


def _ids(dialect: str) -> tuple[Any, Any]:
    """The report ids parameter `ids` as rows: (id column, position column). One parameter (a JSON
    array on SQLite, an array on PostgreSQL), so the SQL text never changes with the number of ids
    and the driver's statement cache keeps it."""
    if dialect == "postgresql":
        t = func.unnest(bindparam("ids", type_=ARRAY(Integer))).table_valued("rid", with_ordinality="ord")
        t = t.render_derived()
        return t.c.rid, t.c.ord
    t = func.json_each(bindparam("ids", type_=String)).table_valued("value", "key")
    return t.c.value, t.c.key


def _keys_in(dialect: str, name: str) -> Any:
    if dialect == "postgresql":
        return _F.c.key == any_(bindparam(name, type_=ARRAY(String)))
    return _F.c.key.in_(select(func.json_each(bindparam(name, type_=String)).table_valued("value").c.value))


def _value(dialect: str, rid: Any, keys: str, fallback: str) -> Any:
    """A report's value: the sum of its non-blank figures `keys`, or of `fallback` when every key is
    blank or absent (NULL when both are); a blank figure has a NULL value (ck_figures_null), which
    sum() skips. COALESCE evaluates the fallback only when needed; each key is one probe of
    ix_figures_key_report_value."""
    def total(name: str) -> Any:
        return select(func.sum(_F.c.value)).where(_keys_in(dialect, name), _F.c.report_id == rid).scalar_subquery()
    return func.coalesce(total(keys), total(fallback))


def _values_stmt(dialect: str, mode: str) -> Any:
    """One statement over the report ids `ids` whose rows end with the stamp (computed once per
    statement), so the figures and the stamp come from one snapshot. Modes:
    each: (id, value of k1/f1, value of k2/f2, *stamp) per report;
    total: (sum of the values, reports with a value, *stamp), one row;
    asc / desc: (id, value, *stamp) for the `n` reports of least / greatest value (ties in the
    order of `ids`), blank values left out."""
    rid, pos = _ids(dialect)
    if mode == "each":
        stmt = select(rid, _value(dialect, rid, "k1", "f1"), _value(dialect, rid, "k2", "f2"), *_STAMP_ROW.c)
        stmt = stmt.select_from(rid.table.join(_STAMP_ROW, true()))
    else:
        # Materialized, so each value is computed once however often the outer query names it.
        per = select(rid.label("rid"), pos.label("pos"), _value(dialect, rid, "k1", "f1").label("v"))
        per = per.cte("per").prefix_with("MATERIALIZED")
        if mode == "total":
            stmt = select(func.sum(per.c.v), func.count(per.c.v), *(func.max(c) for c in _STAMP_ROW.c))
            stmt = stmt.select_from(per.join(_STAMP_ROW, true()))
        else:
            order = per.c.v.asc() if mode == "asc" else per.c.v.desc()
            stmt = (select(per.c.rid, per.c.v, *_STAMP_ROW.c).select_from(per.join(_STAMP_ROW, true()))
                    .where(per.c.v.is_not(None))
                    .order_by(order, per.c.pos).limit(bindparam("n", type_=Integer)))
    if dialect == "sqlite":
        # SQLite's planner takes the unique (report_id, key) index, which then reads each value from
        # the table; the covering index answers from the index alone (~4x faster over a year).
        sql = str(stmt.compile(dialect=sqlite.dialect(paramstyle="named")))
        sql = re.sub(r"\s+OFFSET :param_1\b", "", sql)  # SQLite's LIMIT comes with an OFFSET 0 parameter
        return text(re.sub(r"\bFROM figures\b", "FROM figures INDEXED BY ix_figures_key_report_value", sql))
    return stmt


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _visible(workspaces: Sequence[int] | None, library_id: int | None) -> tuple[Any, Any]:
    """(condition, preference): current reports of the workspaces, where the library means its own
    reports and all published ones; the workspaces' own versions are preferred."""
    current = Report.superseded_by.is_(None)
    ws = [library_id] if workspaces is None else list(workspaces)
    own = Report.workspace_id.in_([w for w in ws if w is not None])
    cond = own
    if library_id is not None and library_id in ws:
        cond = or_(own, Report.published.is_(True))
    return and_(current, cond), case((own, 0), else_=1)


def _asc(v: Any) -> tuple[bool, Any]:
    """A sort key that puts None first (as SQL sorts NULL ascending on SQLite)."""
    return (v is not None, v if v is not None else 0)


async def _load(session: AsyncSession, workspaces: Sequence[int] | None) -> _View:
    """The view of the visible current reports. The stamp is read first: a change landing while the
    rows load makes the next check fail and the view load again, never the other way round."""
    stamp = (_generation, *(await session.execute(_STAMP)).one())
    library_id = (await session.execute(select(Workspace.id).where(Workspace.name == LIBRARY))).scalar_one_or_none()
    cond, prefer = _visible(workspaces, library_id)
    rows = (await session.execute(
        select(Report.id, Report.agency_id, Report.year, Report.file_name, Report.verdict, Report.error_count,
               func.coalesce(Agency.name, Report.agency_name), Agency.name, prefer)
        .select_from(Report).outerjoin(Agency, Agency.id == Report.agency_id).where(cond)
    )).all()
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
    return _View(stamp, library_id, list(ids), ids, years, by_agency, by_year, ordered)


async def _view(session: AsyncSession, workspaces: Sequence[int] | None, fresh: bool = False) -> _View:
    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind
    per_engine = _CACHE.setdefault(engine, {})
    key = None if workspaces is None else tuple(sorted(workspaces))
    cached = per_engine.get(key)
    if cached is not None and not fresh and cached.stamp[0] == _generation:
        return cached
    # Questions arriving together on a missing view wait for one load instead of each loading it
    # (a caller that found the view stale loads its own).
    loading = _LOADING.setdefault(engine, {})
    pending = None if fresh else loading.get(key)
    if pending is not None:
        await asyncio.wait([pending])
        if not pending.cancelled() and pending.result().stamp[0] == _generation:
            return pending.result()
    future: asyncio.Future[_View] = asyncio.get_running_loop().create_future()
    loading[key] = future
    try:
        cached = per_engine[key] = await _load(session, workspaces)
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
    return Answer(a.text, a.value, [dict(r) for r in a.rows], [dict(s) for s in a.sources], copy.deepcopy(a.query))


# ---------------------------------------------------------------- the answer


async def answer(session: AsyncSession, text: str, *, workspaces: Sequence[int] | None = None,
                 today: dt.date | None = None, lang: str | None = None) -> Answer:
    """Answer a question from the current reports of `workspaces` (None: the shared library)."""
    today = today or dt.date.today()
    fresh = False
    for attempt in range(4):
        view = await _view(session, workspaces, fresh)
        q = _parse(view, text, today)
        if lang in ("zh", "en"):
            q.lang = lang
        ctx = _Ctx(session, q, view, last=attempt == 3)
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


def _parse(view: _View, text: str, today: dt.date) -> Query:
    key = (text, today)
    hit = view.parsed.get(key)
    if hit is None:
        hit = view.parsed[key] = parse_question(text, today=today, agencies=view.names, years=view.years)
        if len(view.parsed) > PARSE_CACHE:
            view.parsed.popitem(last=False)
    return copy.copy(hit)


class _Ctx:
    def __init__(self, session: AsyncSession, q: Query, view: _View, last: bool = False) -> None:
        self.s, self.q, self.view = session, q, view
        self.names = view  # names and ids, as the parser saw them
        self.zh = q.lang == "zh"
        self.last = last  # the last attempt takes what it reads, changed or not
        self.checked = False

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    @property
    def label(self) -> str:
        return self.q.label["zh" if self.zh else "en"]

    def amount(self, v: int | float | None) -> str:
        unit = self.q.unit["zh" if self.zh else "en"]
        if v is None:
            return self.t("（空白）", "(blank)")
        return f"{v} {unit}" if unit else f"{v}"

    def ids(self, names: Sequence[str]) -> list[int]:
        return [i for n in names for i in self.names.ids.get(n, [])]

    # -- the stamp and the figures

    def _verify(self, db_stamp: tuple[Any, ...]) -> None:
        self.checked = True
        if (_generation, *db_stamp) != self.view.stamp and not self.last:
            raise _Stale

    async def check(self) -> None:
        """The view still holds (one indexed statement)."""
        if _generation != self.view.stamp[0] and not self.last:
            raise _Stale
        self._verify(tuple((await self.s.execute(_STAMP)).one()))

    async def _run(self, mode: str, reps: Sequence[_Rep], keys: Sequence[str], fallback: Sequence[str],
                   keys2: Sequence[str] = (), fallback2: Sequence[str] = (), n: int = 0) -> list[Any]:
        """The rows of _values_stmt(mode) over `reps`, the stamp checked on the way."""
        if _generation != self.view.stamp[0] and not self.last:
            raise _Stale
        dialect = self.s.bind.dialect.name
        stmt = _STATEMENTS.get((dialect, mode))
        if stmt is None:
            stmt = _STATEMENTS[dialect, mode] = _values_stmt(dialect, mode)
        lists: dict[str, Any] = {"ids": [r.id for r in reps], "k1": list(keys), "f1": list(fallback),
                                 "k2": list(keys2), "f2": list(fallback2)}
        if dialect != "postgresql":
            lists = {k: json.dumps(v, ensure_ascii=False) for k, v in lists.items()}
        if mode in ("asc", "desc"):
            lists["n"] = n
        if mode != "each":
            del lists["k2"], lists["f2"]
        rows = (await self.s.execute(stmt, lists)).all()
        if rows and rows[0][1 - _STAMP_SIZE] is not None:  # the count; NULL when `total` had no ids
            self._verify(tuple(rows[0][-_STAMP_SIZE:]))
        else:
            await self.check()
        return rows

    async def values(self, reps: Sequence[_Rep], keys: Sequence[str], fallback: Sequence[str],
                     keys2: Sequence[str] = (), fallback2: Sequence[str] = ()) -> dict[int, tuple[Any, Any]]:
        """Each report's value (and a second value, of keys2 / fallback2): one statement."""
        return {row[0]: (_num(row[1]), _num(row[2]))
                for row in await self._run("each", reps, keys, fallback, keys2, fallback2)}

    async def run(self) -> Answer:
        q = self.q
        if q.kind == "help":
            return self.help()
        if q.agency_status == "unknown":
            return self.unknown()
        if q.agency_status == "ambiguous" and q.kind in ("value", "compare", "share", "sum"):
            return self.ambiguous()
        if q.kind in ("value", "share") or (q.kind == "compare" and q.agency_status == "resolved"):
            return await getattr(self, q.kind)()
        if RESULT_CACHE <= 0:
            return await getattr(self, q.kind)()
        # Aggregates over many reports are cached with the view (until the store changes).
        key = (q.kind, tuple(q.metric), tuple(q.fallback), q.agency_status, tuple(q.agencies), tuple(q.years),
               q.n, q.order, q.verdict, q.count_of, q.lang, q.region, q.agency_mention)
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
        ex = EXAMPLES["zh" if self.zh else "en"]
        head = self.t("没看懂这个问题。" if self.q.reason != "help" else "可以这样问：",
                      "Sorry, I did not understand that." if self.q.reason != "help" else "You can ask:")
        if self.q.reason == "unsupported-metric":
            head = self.t("年报表格里没有这个数字（信息处理费只写在第六部分的文字中）。",
                          "The report tables hold no such figure (the information-processing fee is only "
                          "stated in the text of section 6).")
        more = self.t("例如：", "For example:") if self.q.reason != "help" else ""
        return Answer("\n".join([head + (" " + more if more else ""), *(f"• {e}" for e in ex)]))

    def unknown(self) -> Answer:
        q = self.q
        sug = "、".join(q.suggestions) if self.zh else "; ".join(q.suggestions)
        text = self.t(f"库里没有“{q.agency_mention}”的年报。", f"No stored report is from “{q.agency_mention}”.")
        if q.suggestions:
            text += self.t(f"最接近的单位：{sug}。", f" Closest stored agencies: {sug}.")
        return Answer(text, rows=[{"agency": a, "year": None, "value": None} for a in q.suggestions])

    def ambiguous(self) -> Answer:
        q = self.q
        cands = q.agencies
        listed = "、".join(cands) if self.zh else "; ".join(cands)
        text = self.t(f"“{q.agency_mention}”可能指 {len(cands)} 个单位：{listed}。请写明是哪一个。",
                      f"“{q.agency_mention}” may mean {len(cands)} agencies: {listed}. Which one?")
        return Answer(text, rows=[{"agency": a, "year": None, "value": None} for a in cands])

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
        stored = "、".join(str(y) for y in sorted(have)) if self.zh else ", ".join(str(y) for y in sorted(have))
        return Answer(self.t(f"库里没有{agency} {year} 年的年报（已有年份：{stored or '无'}）。",
                             f"No {year} report of {agency} is stored (years stored: {stored or 'none'})."))

    def _pick(self) -> tuple[_Rep | None, Answer | None]:
        reports = self._agency_reports()
        agency = self.q.agencies[0]
        if not reports:
            return None, Answer(self.t(f"库里没有{agency}的年报。", f"No report of {agency} is stored."))
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
        src = self.t(f"（来源：{r.file_name}）", f" (source: {r.file_name})")
        text = self.t(f"{r.agency} {r.year} 年{self.label} {self.amount(v)}{src}",
                      f"{r.agency}, {r.year}: {self.label}: {self.amount(v)}{src}")
        return Answer(text, v, [{"agency": r.agency, "year": r.year, "value": v}], [_source(r)])

    async def share(self) -> Answer:
        r, err = self._pick()
        if err:
            return err
        assert r is not None
        num, den = (await self.values([r], self.q.metric, self.q.fallback, self.q.denominator,
                                      self.q.denominator_fallback))[r.id]
        whole = self.q.denominator_label["zh" if self.zh else "en"]
        src = self.t(f"（来源：{r.file_name}）", f" (source: {r.file_name})")
        if num is None or not den:
            text = self.t(f"{r.agency} {r.year} 年{whole}为 {den if den is not None else '空白'}，无法计算占比{src}",
                          f"{r.agency}, {r.year}: {whole} is {den if den is not None else 'blank'}, "
                          f"so there is no share{src}")
            return Answer(text, None, [], [_source(r)])
        pct = round(num / den * 100, 2)
        text = self.t(f"{r.agency} {r.year} 年{self.label}占{whole}的 {pct}%（{num} / {den} 件；来源：{r.file_name}）",
                      f"{r.agency}, {r.year}: {self.label} are {pct}% of {whole} ({num} of {den}; "
                      f"source: {r.file_name})")
        return Answer(text, pct, [{"agency": r.agency, "year": r.year, "value": pct}], [_source(r)])

    async def compare(self) -> Answer:
        reports = self._agency_reports() if self.q.agency_status == "resolved" else None
        if reports is None:
            return await self._compare_all()
        agency = self.q.agencies[0]
        by_year = {r.year: r for r in reports}
        if self.q.years:
            early, late = self.q.years[0], self.q.years[-1]
        elif reports:
            late = reports[0].year
            early = late - 1
        else:
            return Answer(self.t(f"库里没有{agency}的年报。", f"No report of {agency} is stored."))
        for y in (late, early):
            if y not in by_year:
                return self._missing_year(agency, y, list(by_year))
        a, b = by_year[early], by_year[late]
        vals = await self.values([a, b], self.q.metric, self.q.fallback)
        va, vb = vals[a.id][0], vals[b.id][0]
        rows = [{"agency": agency, "year": early, "value": va}, {"agency": agency, "year": late, "value": vb}]
        if va is None or vb is None:
            return Answer(self.t(f"{agency}的报告中{self.label}一栏为空，无法比较。",
                                 f"{agency}: {self.label} is blank in a report; no comparison."),
                          None, rows, [_source(a), _source(b)])
        diff = _num(vb - va)
        word = self.t("增加" if diff > 0 else ("减少" if diff < 0 else "持平"),
                      "up" if diff > 0 else ("down" if diff < 0 else "unchanged"))
        files = f"{a.file_name}、{b.file_name}" if self.zh else f"{a.file_name}, {b.file_name}"
        text = self.t(
            f"{agency} {late} 年{self.label} {self.amount(vb)}，{early} 年 {self.amount(va)}，"
            f"{word} {self.amount(abs(diff))}（来源：{files}）" if diff else
            f"{agency} {late} 年{self.label} {self.amount(vb)}，与 {early} 年持平（来源：{files}）",
            f"{agency}: {self.label}: {self.amount(vb)} in {late}, {self.amount(va)} in {early}: {word}"
            f"{' by ' + self.amount(abs(diff)) if diff else ''} (sources: {files})")
        return Answer(text, diff, rows, [_source(a), _source(b)])


    # -- many agencies

    def _scope_ids(self) -> list[int] | None:
        if self.q.agency_status in ("region", "ambiguous", "resolved"):
            return self.ids(self.q.agencies)
        return None

    def _scope_name(self) -> str:
        q = self.q
        if q.agency_status == "region" and q.region:
            return self.t(f"{q.region}", f"{q.region}")
        if q.agency_status in ("ambiguous", "region"):
            return self.t(f"“{q.agency_mention}”", f"“{q.agency_mention}”")
        return self.t("全部", "all")

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
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        reps = self._in(ids, year)
        total, n_with = (await self._run("total", reps, self.q.metric, self.q.fallback))[0][:2]
        n_reports = len(reps)
        if not n_reports:
            return Answer(self.t(f"库里没有{self._scope_name()} {year} 年的年报。",
                                 f"No {year} report of {self._scope_name()} agencies is stored."))
        srcs = reps[:SOURCE_LIMIT]
        v = _num(total) if n_with else None
        scope = self._scope_name()
        text = self.t(f"{year} 年{scope}单位（{n_reports} 份年报）{self.label}合计 {self.amount(v)}",
                      f"{year}, {scope} agencies ({n_reports} reports): {self.label}: {self.amount(v)} in total")
        if n_reports == 1:
            text += self.t(f"（来源：{srcs[0].file_name}）", f" (source: {srcs[0].file_name})")
        return Answer(text, v, [], [_source(r) for r in srcs])

    async def top(self) -> Answer:
        ids = self._scope_ids()
        year = self._year(ids)
        if year is None:
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        reps = self._in(ids, year)  # by agency name, which settles ties
        by_id = {r.id: r for r in reps}
        ranked = [(by_id[rid], v) for rid, v, *_ in await self._run(
            "asc" if self.q.order == "asc" else "desc", reps, self.q.metric, self.q.fallback, n=self.q.n or 5)]
        if not ranked:
            return Answer(self.t(f"库里没有 {year} 年的相关数字。", f"No {year} figures are stored for that."))
        rows = [r for r, _ in ranked]
        out = [{"agency": r.agency, "year": r.year, "value": _num(v)} for r, v in ranked]
        head = self.t(f"{year} 年{self.label}{'最少' if self.q.order == 'asc' else '最多'}的单位：",
                      f"{year}, {'fewest' if self.q.order == 'asc' else 'most'} {self.label}:")
        lines = [f"{i}. {r['agency']} {self.amount(r['value'])}（{x.file_name}）" if self.zh else
                 f"{i}. {r['agency']}: {self.amount(r['value'])} ({x.file_name})"
                 for i, (r, x) in enumerate(zip(out, rows, strict=True), 1)]
        return Answer("\n".join([head, *lines]), out[0]["value"] if len(out) == 1 else None, out,
                      [_source(r) for r in rows])

    async def _compare_all(self) -> Answer:
        ids = self._scope_ids()
        late = self.q.years[-1] if self.q.years else self._year(ids)
        if late is None:
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        early = self.q.years[0] if len(self.q.years) >= 2 else late - 1
        totals = []
        for y in (early, late):
            t, n = (await self._run("total", self._in(ids, y), self.q.metric, self.q.fallback))[0][:2]
            totals.append(_num(t) if n else None)
        rows = [{"agency": None, "year": early, "value": totals[0]}, {"agency": None, "year": late, "value": totals[1]}]
        if None in totals:
            missing = early if totals[0] is None else late
            return Answer(self.t(f"库里没有 {missing} 年的相关年报，无法比较。",
                                 f"No {missing} reports are stored for that; no comparison."), None, rows)
        diff = _num(totals[1] - totals[0])
        scope = self._scope_name()
        text = self.t(f"{scope}单位{self.label}：{late} 年合计 {self.amount(totals[1])}，{early} 年 "
                      f"{self.amount(totals[0])}，相差 {diff:+}",
                      f"{scope} agencies, {self.label}: {self.amount(totals[1])} in {late}, "
                      f"{self.amount(totals[0])} in {early}: {diff:+}")
        return Answer(text, diff, rows)

    async def count(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        reps = self._in(ids, year, every_year=year is None)
        if self.q.count_of == "agencies":
            n = len({r.agency for r in reps if r.agency is not None})
        else:
            n = len(reps)
        what = self.t("个单位" if self.q.count_of == "agencies" else "份年报",
                      "agencies" if self.q.count_of == "agencies" else "reports")
        when = self.t(f"{year} 年的" if year else "", f" for {year}" if year else "")
        scope = "" if ids is None else self._scope_name()
        text = self.t(f"库里有{scope}{when}{'年报的单位 ' if self.q.count_of == 'agencies' else ''}{n} "
                      f"{what if self.q.count_of != 'agencies' else '个'}",
                      f"{n} {scope + ' ' if scope else ''}{what} stored{when}")
        return Answer(text, n)

    async def list_reports(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        rows = self._in(ids, year, every_year=year is None)
        if self.q.verdict:
            rows = [r for r in rows if r.verdict == self.q.verdict]
        which = {"fail": self.t("没通过校验的", "failing "), "pass": self.t("通过校验的", "passing ")}.get(
            self.q.verdict or "", "")
        when = self.t(f"{year} 年" if year else "", f" for {year}" if year else "")
        out = [{"agency": r.agency, "year": r.year, "value": r.error_count, "verdict": r.verdict,
                "file": r.file_name, "report_id": r.id} for r in rows]
        if not rows:
            return Answer(self.t(f"没有{when}{which}年报。", f"No {which}reports{when}."), 0, [])
        head = self.t(f"{when}{which}年报共 {len(rows)} 份：", f"{len(rows)} {which}reports{when}:")
        lines = [self.t(f"• {r.agency or '（未识别机关）'} {f'{r.year} 年' if r.year else '（未识别年度）'}"
                        f"（{r.file_name}，{'通过' if r.verdict == 'pass' else '未通过'}，{r.error_count} 个错误）",
                        f"• {r.agency or '(agency not identified)'}, {r.year or '(year not identified)'} "
                        f"({r.file_name}, {r.verdict}, {r.error_count} errors)")
                 for r in rows[:LIST_LIMIT]]
        if len(rows) > LIST_LIMIT:
            lines.append(self.t(f"……另有 {len(rows) - LIST_LIMIT} 份", f"… and {len(rows) - LIST_LIMIT} more"))
        return Answer("\n".join([head, *lines]), len(rows), out, [_source(r) for r in rows])

    async def list_agencies(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        reps = sorted(self._in(ids, year, every_year=year is None), key=lambda r: (_asc(r.agency), _asc(r.year)))
        years: dict[str, list[int]] = {}
        for r in reps:
            years.setdefault(r.agency, []).append(r.year)  # type: ignore[arg-type]
        when = self.t(f"{year} 年" if year else "", f" for {year}" if year else "")
        if not years:
            return Answer(self.t(f"库里还没有{when}年报。", f"No reports stored{when}."), 0, [])
        head = self.t(f"库里有 {len(years)} 个单位的{when}年报：", f"{len(years)} agencies have reports{when}:")
        lines = [self.t(f"• {a}（{'、'.join(map(str, ys))}）", f"• {a} ({', '.join(map(str, ys))})")
                 for a, ys in list(years.items())[:LIST_LIMIT]]
        if len(years) > LIST_LIMIT:
            lines.append(self.t(f"……另有 {len(years) - LIST_LIMIT} 个", f"… and {len(years) - LIST_LIMIT} more"))
        out = [{"agency": a, "year": y, "value": None} for a, ys in years.items() for y in ys]
        return Answer("\n".join([head, *lines]), len(years), out)


# ---------------------------------------------------------------- command line


def ask_main(argv: list[str]) -> int:
    """`nianbao ask "QUESTION" [--json] [--workspace W] [--database-url URL] [--lang zh|en]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="nianbao ask", description="Ask a question about the stored reports.")
    parser.add_argument("question", nargs="+")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workspace", default=None, help=f"workspace name (default: {LIBRARY}, the shared library)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--lang", choices=("zh", "en"), default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(_ask(" ".join(args.question), args.workspace, args.database_url, args.lang))
    if result is None:
        import os
        import sys

        zh = (args.lang or os.environ.get("NIANBAO_LANGUAGE", "zh")) != "en"
        print(f"nianbao ask: 没有名为 {args.workspace} 的工作区：不加 --workspace 即查共享库。" if zh else
              f"nianbao ask: no workspace named {args.workspace}: leave out --workspace to ask the shared library.",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(result.text)
    return 0 if answered(result) else 1


def answered(result: Answer) -> bool:
    """Whether the answer carries a figure (0 counts): not a help text, a suggestion, or "no data"."""
    return result.value is not None or any(r.get("value") is not None for r in result.rows)


async def _ask(text: str, workspace: str | None, url: str | None, lang: str | None) -> Answer | None:
    from storage.db import make_engine, make_sessionmaker, upgrade

    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            ws: list[int] | None = None
            if workspace and workspace != LIBRARY:
                wid = (await session.execute(select(Workspace.id).where(Workspace.name == workspace))).scalar()
                if wid is None:
                    return None
                ws = [wid]
            return await answer(session, text, workspaces=ws, lang=lang)
    finally:
        await engine.dispose()
