"""Answers to questions: parse (reports.questions), run indexed SQL aggregates, say the result.

Only current reports (never a superseded version) of the given workspaces are used; None means the
shared library (its own workspace and every published report). The text always names the number,
the agency's full name, the year and the source file; a question not understood gets a short help
with examples, never an empty or guessed number. The list of stored agency names is cached per
engine and visible-workspace set, and reloaded as soon as the reports or agencies change.
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
from typing import Any

from sqlalchemy import and_, case, event, func, or_, select
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


# ---------------------------------------------------------------- the agency-name cache


@dataclass
class _Names:
    stamp: tuple[Any, ...]
    library_id: int | None
    names: list[str]
    ids: dict[str, list[int]]  # full name -> agency ids
    years: list[int]
    # Answers over many reports (sums, rankings, counts, lists), valid while the stamp holds.
    results: OrderedDict[tuple[Any, ...], Answer] = field(default_factory=OrderedDict)


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...] | None, _Names]] = weakref.WeakKeyDictionary()


def invalidate_cache() -> None:
    """Forget every cached name list (the cache also notices new saves by itself)."""
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


async def _stamp(session: AsyncSession) -> tuple[Any, ...]:
    # Changes made in this process bump _generation; saves and deletes of other processes (an ingest
    # beside the bot) show in the highest id and the count, which the indexes give cheaply.
    q = select(func.max(Report.id), func.count(Report.id), select(func.max(Agency.id)).scalar_subquery())
    return (_generation, *(await session.execute(q)).one())


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


async def _names(session: AsyncSession, workspaces: Sequence[int] | None) -> _Names:
    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind
    per_engine = _CACHE.setdefault(engine, {})
    key = None if workspaces is None else tuple(sorted(workspaces))
    stamp = await _stamp(session)
    cached = per_engine.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    library_id = (await session.execute(select(Workspace.id).where(Workspace.name == LIBRARY))).scalar_one_or_none()
    vis, _ = _visible(workspaces, library_id)
    rows = (await session.execute(
        select(Agency.id, Agency.name).where(Agency.id.in_(select(Report.agency_id).where(vis))).order_by(Agency.id)
    )).all()
    ids: dict[str, list[int]] = {}
    for aid, name in rows:
        ids.setdefault(name, []).append(aid)
    years = sorted(y for (y,) in (await session.execute(
        select(Report.year).where(vis, Report.year.is_not(None)).distinct())).all())
    names = _Names(stamp, library_id, list(ids), ids, years)
    per_engine[key] = names
    return names


# ---------------------------------------------------------------- SQL pieces


def _reports(vis: Any, agency_ids: Sequence[int] | None = None, year: int | None = None) -> Any:
    """One current visible report per agency and year (a version of the asking workspaces before a
    version published from another, then the newest), with its agency's name. `vis` is a pair
    (visibility condition, preference order) from _visible. The choice reads only columns of
    ix_reports_year_current; the chosen rows are then fetched by primary key."""
    cond, prefer = vis
    rank = func.row_number().over(
        partition_by=(func.coalesce(Report.agency_id, -Report.id), Report.year), order_by=(prefer, Report.id.desc())
    )
    q = select(Report.id, rank.label("rn")).where(cond)
    if agency_ids is not None:
        q = q.where(Report.agency_id.in_(list(agency_ids)))
    if year is not None:
        q = q.where(Report.year == year)
    chosen = q.subquery()
    return (select(Report.id, Report.agency_id, Report.year, Report.file_name, Report.verdict, Report.error_count,
                   func.coalesce(Agency.name, Report.agency_name).label("agency"))
            .select_from(chosen.join(Report, Report.id == chosen.c.id).outerjoin(Agency, Agency.id == Report.agency_id))
            .where(chosen.c.rn == 1).subquery())


def _figure_sum(report_id: Any, keys: Sequence[str]) -> Any:
    """The sum of a report's non-blank `keys` (None when all are blank or absent): one probe of the
    figures index per key. A blank figure has a NULL value (ck_figures_null), which sum() skips."""
    return (select(func.sum(Figure.value)).where(Figure.report_id == report_id, Figure.key.in_(list(keys)))
            .scalar_subquery())


def _valued(reps: Any, keys: Sequence[str], fallback: Sequence[str]) -> Any:
    """The reports of `reps` with their value: the sum of `keys`, or of `fallback` when every key
    is blank (None when both are). COALESCE evaluates the fallback only when needed (SQLite and
    PostgreSQL both short-circuit it), so a report usually costs one index probe per key."""
    value = _figure_sum(reps.c.id, keys)
    if fallback:
        value = func.coalesce(value, _figure_sum(reps.c.id, fallback))
    return select(reps.c.id, reps.c.agency, reps.c.year, reps.c.file_name, value.label("value"))


async def _report_value(session: AsyncSession, report_id: int, keys: Sequence[str],
                        fallback: Sequence[str]) -> int | float | None:
    q = select(Figure.key, Figure.value).where(Figure.report_id == report_id, Figure.key.in_([*keys, *fallback]),
                                              Figure.is_null.is_(False))
    got = dict((await session.execute(q)).all())
    primary = [got[k] for k in keys if k in got]
    if primary:
        return _num(sum(primary))
    rest = [got[k] for k in fallback if k in got]
    return _num(sum(rest)) if rest else None


def _num(v: float | None) -> int | float | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else round(float(v), 4)


def _source(r: Any) -> dict[str, Any]:
    return {"report_id": r.id, "file": r.file_name, "agency": r.agency, "year": r.year}


# ---------------------------------------------------------------- the answer


async def answer(session: AsyncSession, text: str, *, workspaces: Sequence[int] | None = None,
                 today: dt.date | None = None, lang: str | None = None) -> Answer:
    """Answer a question from the current reports of `workspaces` (None: the shared library)."""
    names = await _names(session, workspaces)
    q = parse_question(text, today=today or dt.date.today(), agencies=names.names, years=names.years)
    if lang in ("zh", "en"):
        q.lang = lang
    ctx = _Ctx(session, q, names, _visible(workspaces, names.library_id))
    out = await ctx.run()
    out.query = q.to_json()
    return out


class _Ctx:
    def __init__(self, session: AsyncSession, q: Query, names: _Names, vis: Any) -> None:
        self.s, self.q, self.names, self.vis = session, q, names, vis
        self.zh = q.lang == "zh"

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
        # Aggregates over many reports are cached until the store changes (see _stamp).
        key = (q.kind, tuple(q.metric), tuple(q.fallback), q.agency_status, tuple(q.agencies), tuple(q.years),
               q.n, q.order, q.verdict, q.count_of, q.lang, q.region, q.agency_mention)
        hit = self.names.results.get(key)
        if hit is None:
            hit = await getattr(self, q.kind)()
            self.names.results[key] = hit
            if len(self.names.results) > RESULT_CACHE:
                self.names.results.popitem(last=False)
        else:
            self.names.results.move_to_end(key)
        return copy.deepcopy(hit)

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

    async def _agency_reports(self) -> list[Any]:
        """The agency's current reports, newest year first."""
        sub = _reports(self.vis, self.ids(self.q.agencies))
        return list((await self.s.execute(select(sub).order_by(sub.c.year.desc()))).all())

    async def _value_of(self, report_id: int, keys: Sequence[str], fallback: Sequence[str]) -> int | float | None:
        return await _report_value(self.s, report_id, keys, fallback)

    def _missing_year(self, agency: str, year: int, have: list[int]) -> Answer:
        stored = "、".join(str(y) for y in sorted(have)) if self.zh else ", ".join(str(y) for y in sorted(have))
        return Answer(self.t(f"库里没有{agency} {year} 年的年报（已有年份：{stored or '无'}）。",
                             f"No {year} report of {agency} is stored (years stored: {stored or 'none'})."))

    async def _pick(self) -> tuple[Any | None, Answer | None]:
        reports = await self._agency_reports()
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
        r, err = await self._pick()
        if err:
            return err
        v = await self._value_of(r.id, self.q.metric, self.q.fallback)
        src = self.t(f"（来源：{r.file_name}）", f" (source: {r.file_name})")
        text = self.t(f"{r.agency} {r.year} 年{self.label} {self.amount(v)}{src}",
                      f"{r.agency}, {r.year}: {self.label}: {self.amount(v)}{src}")
        return Answer(text, v, [{"agency": r.agency, "year": r.year, "value": v}], [_source(r)])

    async def share(self) -> Answer:
        r, err = await self._pick()
        if err:
            return err
        num = await self._value_of(r.id, self.q.metric, self.q.fallback)
        den = await self._value_of(r.id, self.q.denominator, self.q.denominator_fallback)
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
        reports = await self._agency_reports() if self.q.agency_status == "resolved" else None
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
        va = await self._value_of(a.id, self.q.metric, self.q.fallback)
        vb = await self._value_of(b.id, self.q.metric, self.q.fallback)
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

    async def _year(self, ids: list[int] | None) -> int | None:
        if self.q.years:
            return self.q.years[0]
        sub = _reports(self.vis, ids)
        return (await self.s.execute(select(func.max(sub.c.year)))).scalar()

    async def sum(self) -> Answer:
        ids = self._scope_ids()
        year = await self._year(ids)
        if year is None:
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        reps = _reports(self.vis, ids, year)
        vals = _valued(reps, self.q.metric, self.q.fallback).subquery()
        total, n_with, n_reports = (await self.s.execute(
            select(func.sum(vals.c.value), func.count(vals.c.value), func.count()))).one()
        srcs = (await self.s.execute(select(reps).order_by(reps.c.agency).limit(SOURCE_LIMIT))).all()
        if not n_reports:
            return Answer(self.t(f"库里没有{self._scope_name()} {year} 年的年报。",
                                 f"No {year} report of {self._scope_name()} agencies is stored."))
        v = _num(total) if n_with else None
        scope = self._scope_name()
        text = self.t(f"{year} 年{scope}单位（{n_reports} 份年报）{self.label}合计 {self.amount(v)}",
                      f"{year}, {scope} agencies ({n_reports} reports): {self.label}: {self.amount(v)} in total")
        if n_reports == 1:
            text += self.t(f"（来源：{srcs[0].file_name}）", f" (source: {srcs[0].file_name})")
        return Answer(text, v, [], [_source(r) for r in srcs])

    async def top(self) -> Answer:
        ids = self._scope_ids()
        year = await self._year(ids)
        if year is None:
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        reps = _reports(self.vis, ids, year)
        valued = _valued(reps, self.q.metric, self.q.fallback).subquery()
        order = valued.c.value.asc() if self.q.order == "asc" else valued.c.value.desc()
        rows = (await self.s.execute(select(valued).where(valued.c.value.is_not(None))
                                     .order_by(order, valued.c.agency).limit(self.q.n or 5))).all()
        if not rows:
            return Answer(self.t(f"库里没有 {year} 年的相关数字。", f"No {year} figures are stored for that."))
        out = [{"agency": r.agency, "year": r.year, "value": _num(r.value)} for r in rows]
        head = self.t(f"{year} 年{self.label}{'最少' if self.q.order == 'asc' else '最多'}的单位：",
                      f"{year}, {'fewest' if self.q.order == 'asc' else 'most'} {self.label}:")
        lines = [f"{i}. {r['agency']} {self.amount(r['value'])}（{x.file_name}）" if self.zh else
                 f"{i}. {r['agency']}: {self.amount(r['value'])} ({x.file_name})"
                 for i, (r, x) in enumerate(zip(out, rows, strict=True), 1)]
        return Answer("\n".join([head, *lines]), out[0]["value"] if len(out) == 1 else None, out,
                      [_source(r) for r in rows])

    async def _compare_all(self) -> Answer:
        ids = self._scope_ids()
        late = self.q.years[-1] if self.q.years else await self._year(ids)
        if late is None:
            return Answer(self.t("库里还没有年报。", "No report is stored yet."))
        early = self.q.years[0] if len(self.q.years) >= 2 else late - 1
        totals = []
        for y in (early, late):
            vals = _valued(_reports(self.vis, ids, y), self.q.metric, self.q.fallback).subquery()
            t, n = (await self.s.execute(select(func.sum(vals.c.value), func.count(vals.c.value)))).one()
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
        reps = _reports(self.vis, ids, year)
        if self.q.count_of == "agencies":
            n = (await self.s.execute(select(func.count(func.distinct(reps.c.agency))))).scalar_one()
        else:
            n = (await self.s.execute(select(func.count()).select_from(reps))).scalar_one()
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
        reps = _reports(self.vis, ids, year)
        qy = select(reps)
        if self.q.verdict:
            qy = qy.where(reps.c.verdict == self.q.verdict)
        rows = (await self.s.execute(qy.order_by(reps.c.year.desc(), reps.c.agency))).all()
        which = {"fail": self.t("没通过校验的", "failing "), "pass": self.t("通过校验的", "passing ")}.get(
            self.q.verdict or "", "")
        when = self.t(f"{year} 年" if year else "", f" for {year}" if year else "")
        out = [{"agency": r.agency, "year": r.year, "value": r.error_count, "verdict": r.verdict,
                "file": r.file_name, "report_id": r.id} for r in rows]
        if not rows:
            return Answer(self.t(f"没有{when}{which}年报。", f"No {which}reports{when}."), 0, [])
        head = self.t(f"{when}{which}年报共 {len(rows)} 份：", f"{len(rows)} {which}reports{when}:")
        lines = [self.t(f"• {r.agency} {r.year} 年（{r.file_name}，{'通过' if r.verdict == 'pass' else '未通过'}，"
                        f"{r.error_count} 个错误）",
                        f"• {r.agency}, {r.year} ({r.file_name}, {r.verdict}, {r.error_count} errors)")
                 for r in rows[:LIST_LIMIT]]
        if len(rows) > LIST_LIMIT:
            lines.append(self.t(f"……另有 {len(rows) - LIST_LIMIT} 份", f"… and {len(rows) - LIST_LIMIT} more"))
        return Answer("\n".join([head, *lines]), len(rows), out, [_source(r) for r in rows])

    async def list_agencies(self) -> Answer:
        ids = self._scope_ids()
        year = self.q.years[0] if self.q.years else None
        reps = _reports(self.vis, ids, year)
        rows = (await self.s.execute(select(reps.c.agency, reps.c.year).order_by(reps.c.agency, reps.c.year))).all()
        years: dict[str, list[int]] = {}
        for agency, y in rows:
            years.setdefault(agency, []).append(y)
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
        print(f"no such workspace: {args.workspace}")
        return 2
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(result.text)
    return 0


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
