"""Repository functions over an AsyncSession: save checked reports, find, list, publish, delete; chats.

save_report and the other writers commit their own transaction (and roll it back on failure), so a
report is stored whole or not at all. save_reports stores a batch in one transaction (ingest), as
saving them one by one in order would; save_report is a batch of one. Saving is idempotent by SHA-256 per workspace; a new file for
the same agency and year in the same workspace supersedes the current one, which stays as history.
The cross-year rules (reports.crossyear) run on save against the same agency's report of the year
before, and the report of the year after, if stored, is re-checked against the new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import bindparam, case, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import SQLModel

from reports import model as rm
from reports.agency import agency_kind, agency_level, agency_region, normalise_agency
from reports.crossyear import CROSS_YEAR_CODES, cross_year_findings
from storage import aggregates, aliases
from storage.models import (
    LIBRARY,
    Agency,
    Chat,
    Figure,
    FindingRow,
    Report,
    Workspace,
    chat_workspace_name,
    utcnow,
)
from storage.reader import list_param
from storage.sql import ids_in, in_param

SaveStatus = Literal["stored", "duplicate", "superseded"]
# Figures the cross-year rules read from the other year's report.
_CROSS_YEAR_KEYS: tuple[str, ...] = (
    *(f"s3.carried_in.{c}" for c in rm.S3_COLUMNS),
    *(f"s3.carried_out.{c}" for c in rm.S3_COLUMNS),
    *(f"s2.{k}.{c}" for k in ("rules", "normative") for c in ("issued", "repealed", "in_force")),
)


@dataclass(frozen=True)
class SaveResult:
    report_id: int
    status: SaveStatus
    previous_id: int | None = None  # the report this one superseded, or for a duplicate None
    row: Report | None = field(default=None, compare=False)  # the stored row (a duplicate: the one there)
    findings: list[FindingRow] | None = field(default=None, compare=False)  # with_findings=True


# ---------------------------------------------------------------- workspaces and agencies


async def get_or_create_workspace(session: AsyncSession, name: str) -> Workspace:
    """The workspace called `name`, added to the session (not committed) if new."""
    ws = (await session.execute(select(Workspace).where(Workspace.name == name))).scalar_one_or_none()
    if ws is None:
        ws = Workspace(name=name)
        session.add(ws)
        await session.flush()
    return ws


async def find_agency(session: AsyncSession, name: str) -> Agency | None:
    """The agency whose normalised name equals that of `name`."""
    q = select(Agency).where(Agency.normalised == normalise_agency(name))
    return (await session.execute(q)).scalar_one_or_none()


async def _agencies(session: AsyncSession, printed: Sequence[str]) -> dict[str, Agency]:
    """The agency of each printed name (matched by normalised name), taken in order: one not stored
    is added (its keys in agency_aliases), a new spelling of a known agency is kept among its
    aliases. Not committed."""
    dialect = session.bind.dialect.name
    norm = {p: normalise_agency(p) for p in printed}
    q = select(Agency).where(in_param(Agency.normalised, dialect, "names"))
    by_norm = {a.normalised: a for a in (await session.execute(
        q, {"names": list_param(dialect, sorted(set(norm.values())))})).scalars()}
    new: list[Agency] = []
    for p in printed:
        agency = by_norm.get(norm[p])
        if agency is None:
            province, city, county = agency_region(p)
            agency = by_norm[norm[p]] = Agency(name=p, normalised=norm[p], province=province, city=city, county=county,
                                               level=agency_level(p), kind=agency_kind(p), aliases=[])
            new.append(agency)
        elif p != agency.name and p not in agency.aliases:
            agency.aliases = [*agency.aliases, p]  # a new list, so the JSON column sees the change
    if new:
        session.add_all(new)
        await session.flush()
        await aliases.add_agencies(session, [(a.id, a.name) for a in new])  # type: ignore[misc]
    return {p: by_norm[norm[p]] for p in printed}


# ---------------------------------------------------------------- saving


@dataclass(frozen=True)
class ToSave:
    """A checked report to store, with where it came from."""

    report: rm.Report
    file_name: str | None = None  # None: the report's own file name
    uploader: int | None = None  # Telegram user id; None from the CLI


def _sha256(report: rm.Report) -> str:
    if report.sha256:
        return report.sha256
    # A report built in code has no file behind it: its content stands in for the file.
    return hashlib.sha256(json.dumps(report.to_json(), sort_keys=True, default=str).encode()).hexdigest()


async def _insert_many(session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """A Core executemany on the session's connection (same transaction): much cheaper than the
    ORM's bulk path for the 200 figure rows of every report."""
    if rows:
        conn = await session.connection()
        await conn.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


# Reports' figures in one statement on PostgreSQL, as three texts split by the server: encoding
# arrays of 200 values a report costs the driver more than the rest of the save.
_SEP = "\x1f"  # in no figure key (a control character)
_FIGURES_PG = text(
    "INSERT INTO figures (report_id, key, value, is_null) SELECT r, k, v, v IS NULL FROM unnest("
    f"CAST(string_to_array(:rids, '{_SEP}') AS INTEGER[]), string_to_array(:keys, '{_SEP}'), "
    f"CAST(string_to_array(:vals, '{_SEP}', '') AS FLOAT8[])) AS t(r, k, v)")


async def _insert_figures(session: AsyncSession, reports: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Reports' figures, (report id, key -> value or None for a blank) each, in their order."""
    reports = [(rid, figures) for rid, figures in reports if figures]
    if not reports:
        return
    if session.bind.dialect.name == "postgresql":
        keys = _SEP.join(_SEP.join(figures) for _, figures in reports)
        if keys.count(_SEP) != sum(len(figures) for _, figures in reports) - 1:
            raise ValueError("a figure key holds a control character")
        await session.execute(_FIGURES_PG, {
            "rids": _SEP.join(_SEP.join([str(rid)] * len(figures)) for rid, figures in reports), "keys": keys,
            # repr: the shortest text that reads back as the same float
            "vals": _SEP.join(_SEP.join("" if v is None else repr(float(v)) for v in figures.values())
                              for _, figures in reports),
        })
        return
    await _insert_many(session, Figure, [
        {"report_id": rid, "key": k, "value": None if v is None else float(v), "is_null": v is None}
        for rid, figures in reports for k, v in figures.items()])


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    try:
        json.dumps(v)
        return v
    except (TypeError, ValueError):
        return str(v)


def _finding_row(report_id: int, f: rm.Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "report_id": report_id,
        "code": f.code,
        "severity": f.severity,
        "message_zh": f.message_zh,
        "message_en": f.message_en,
        "section": loc.section,
        "row": loc.row,
        "column": loc.column,
        "key": loc.key,
        "expected": _jsonable(f.expected),
        "actual": _jsonable(f.actual),
    }


async def figures_of(session: AsyncSession, report_id: int, keys: Sequence[str] | None = None) -> dict[str, float | None]:
    """A stored report's figures (key -> value, None when blank), all or just `keys`."""
    q = select(Figure.key, Figure.value, Figure.is_null).where(Figure.report_id == report_id)
    if keys is not None:
        q = q.where(Figure.key.in_(keys))
    return {k: (None if is_null else v) for k, v, is_null in (await session.execute(q)).all()}


async def _cross_year_figures(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, dict[str, float | None]]:
    """The figures the cross-year rules read, of each of these stored reports."""
    out: dict[int, dict[str, float | None]] = {rid: {} for rid in report_ids}
    if report_ids:
        q = select(Figure.report_id, Figure.key, Figure.value, Figure.is_null).where(
            ids_in(Figure.report_id, out), Figure.key.in_(_CROSS_YEAR_KEYS))
        for rid, k, v, is_null in (await session.execute(q)).all():
            out[rid][k] = None if is_null else v
    return out


def _cross_year_of(figures: dict[str, Any]) -> dict[str, float | None]:
    """The figures the cross-year rules read, of a report not yet stored (as they will be stored)."""
    return {k: None if figures[k] is None else float(figures[k]) for k in _CROSS_YEAR_KEYS if k in figures}


async def _year_neighbour(session: AsyncSession, row: Report, year: int) -> int | None:
    """The id of the current report of the same agency for `year`: from the row's own workspace
    first, else a published one."""
    if row.agency_id is None:
        return None
    q = select(Report.id).where(
        Report.agency_id == row.agency_id, Report.year == year, Report.superseded_by.is_(None), Report.id != row.id,
        or_(Report.workspace_id == row.workspace_id, Report.published.is_(True)),
    ).order_by(case((Report.workspace_id == row.workspace_id, 0), else_=1), Report.id.desc()).limit(1)
    return (await session.execute(q)).scalar_one_or_none()


def _with_cross_year(data: dict[str, Any], found: list[rm.Finding]) -> dict[str, Any]:
    """A report's JSON with its cross-year findings replaced by `found`."""
    kept = [f for f in data.get("findings", []) if f.get("code") not in CROSS_YEAR_CODES]
    return {**data, "findings": kept + [f.to_json() for f in found]}


async def _write_cross_year(session: AsyncSession, changes: Sequence[tuple[Report, list[rm.Finding]]]) -> None:
    """Stored rows' cross-year findings replaced (rows, JSON and counts kept in step); a row that had
    none and gets none is left as it is."""
    changed = [(row, found) for row, found in changes
               if found or any(f.get("code") in CROSS_YEAR_CODES for f in row.report_json.get("findings", []))]
    if not changed:
        return
    await session.execute(delete(FindingRow).where(
        ids_in(FindingRow.report_id, [row.id for row, _ in changed]),  # type: ignore[misc]
        FindingRow.code.in_(CROSS_YEAR_CODES)))
    await _insert_many(session, FindingRow, [_finding_row(row.id, f) for row, found in changed  # type: ignore[arg-type]
                                             for f in found])
    now = utcnow()
    for row, found in changed:
        data = _with_cross_year(row.report_json, found)
        _set_counts(row, data)
        row.report_json = data
        row.updated_at = now


async def _apply_cross_year(session: AsyncSession, row: Report) -> None:
    """(Re)compute a stored row's cross-year findings against last year's report."""
    found: list[rm.Finding] = []
    if row.year is not None:
        prev_id = await _year_neighbour(session, row, row.year - 1)
        if prev_id is not None:
            figures = await _cross_year_figures(session, [row.id, prev_id])  # type: ignore[list-item]
            found = cross_year_findings(figures[row.id], figures[prev_id], previous_year=row.year - 1)  # type: ignore[index]
    await _write_cross_year(session, [(row, found)])


def _set_counts(row: Report, data: dict[str, Any]) -> None:
    findings = data.get("findings", [])
    row.error_count = sum(1 for f in findings if f.get("severity") == "error")
    row.warning_count = sum(1 for f in findings if f.get("severity") == "warning")
    row.verdict = "fail" if row.error_count else "pass"
    data["verdict"] = row.verdict


async def find_by_sha(session: AsyncSession, workspace_id: int, sha: str) -> Report | None:
    """The report of this file (by SHA-256) already stored in the workspace, if any."""
    q = select(Report).where(Report.workspace_id == workspace_id, Report.sha256 == sha)
    return (await session.execute(q)).scalar_one_or_none()


# A report in a batch: ("b", its index in the batch), or a stored one: ("s", its id).
_Ref = tuple[str, int]


@dataclass
class _Plan:
    """What saving a batch in order does, worked out before writing: which report each one
    supersedes, and which reports' cross-year findings end up computed against which base (the last
    computation of each, as saving one by one leaves them)."""

    supersedes: dict[int, _Ref] = field(default_factory=dict)  # batch index -> the report it supersedes
    superseded: set[_Ref] = field(default_factory=set)
    bases: dict[_Ref, tuple[_Ref | None, int]] = field(default_factory=dict)  # report -> (base, its year)


def _plan(fresh: Sequence[tuple[int, int | None, int | None]], own: dict[tuple[int, int], int],
          elsewhere: dict[tuple[int, int], int]) -> _Plan:
    """`fresh`: (batch index, agency id, year) of the new reports in order; `own`: the current reports
    of the workspace by (agency, year), `elsewhere`: the published ones of other workspaces. A report
    supersedes the current one of its agency and year in its workspace; its cross-year base is last
    year's current report of the workspace, else the published one (the highest id); and the
    workspace's current report of the next year is re-checked against it."""
    plan = _Plan()
    current: dict[tuple[int, int], _Ref] = {k: ("s", v) for k, v in own.items()}
    for i, agency, year in fresh:
        if agency is None or year is None:
            continue
        me: _Ref = ("b", i)
        before = current.get((agency, year - 1))
        if before is None and (agency, year - 1) in elsewhere:
            before = ("s", elsewhere[(agency, year - 1)])
        plan.bases[me] = (before, year)
        previous = current.get((agency, year))
        if previous is not None:
            plan.supersedes[i] = previous
            plan.superseded.add(previous)
        current[(agency, year)] = me
        after = current.get((agency, year + 1))
        if after is not None:
            plan.bases[after] = (me, year + 1)
    return plan


async def _current_reports(session: AsyncSession, workspace_id: int, agency_ids: set[int]
                           ) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """The current reports of these agencies by (agency, year): the workspace's own, and the
    published ones of other workspaces (the highest id of each)."""
    own: dict[tuple[int, int], int] = {}
    elsewhere: dict[tuple[int, int], int] = {}
    if agency_ids:
        q = select(Report.id, Report.agency_id, Report.year, Report.workspace_id).where(
            ids_in(Report.agency_id, agency_ids), Report.superseded_by.is_(None),
            Report.year.is_not(None), or_(Report.workspace_id == workspace_id, Report.published.is_(True)))
        for rid, agency, year, ws in (await session.execute(q)).all():
            seen = own if ws == workspace_id else elsewhere
            if rid > seen.get((agency, year), 0):
                seen[(agency, year)] = rid
    return own, elsewhere


async def _rows(session: AsyncSession, ids: Sequence[int]) -> dict[int, Report]:
    if not ids:
        return {}
    return {r.id: r for r in (await session.execute(select(Report).where(ids_in(Report.id, ids)))).scalars()}  # type: ignore[misc]


async def _save_batch(session: AsyncSession, items: Sequence[ToSave], workspace: str | int,
                      published: bool | None) -> list[SaveResult]:
    ws = await _workspace(session, workspace)
    if ws is None:
        raise LookupError(f"no workspace {workspace!r}")
    ws_id: int = ws.id  # type: ignore[assignment]
    if published is None:
        published = ws.name == LIBRARY
    dialect = session.bind.dialect.name
    shas = [_sha256(it.report) for it in items]
    q = select(Report.sha256, Report.id).where(Report.workspace_id == ws_id, in_param(Report.sha256, dialect, "shas"))
    stored: dict[str, int] = dict((await session.execute(  # type: ignore[arg-type]
        q, {"shas": list_param(dialect, sorted(set(shas)))})).all())
    first: dict[str, int] = {}  # a file new to the workspace: the first of the batch to bring it
    for i, sha in enumerate(shas):
        if sha not in stored:
            first.setdefault(sha, i)
    fresh = sorted(first.values())

    names = {i: items[i].report.agency.strip() for i in fresh if (items[i].report.agency or "").strip()}  # type: ignore[union-attr]
    agencies = await _agencies(session, list(names.values())) if names else {}
    agency_of: dict[int, int] = {i: agencies[n].id for i, n in names.items()}  # type: ignore[misc]
    own, elsewhere = await _current_reports(session, ws_id, set(agency_of.values()))
    plan = _plan([(i, agency_of.get(i), items[i].report.year) for i in fresh], own, elsewhere)

    data = {i: items[i].report.to_json() for i in fresh}
    figures: dict[int, dict[str, Any]] = {i: data[i]["figures"] for i in fresh}
    theirs = await _cross_year_figures(session, sorted({ref[1] for target, (base, _) in plan.bases.items()
                                                        for ref in (target, base) if ref is not None and ref[0] == "s"}))

    def cross_figures(ref: _Ref) -> dict[str, float | None]:
        return theirs[ref[1]] if ref[0] == "s" else _cross_year_of(figures[ref[1]])

    found = {target: cross_year_findings(cross_figures(target), cross_figures(base), previous_year=year - 1)
             if base is not None else [] for target, (base, year) in plan.bases.items()}

    rows: dict[int, Report] = {}
    for i in fresh:
        report = items[i].report
        json_ = _with_cross_year(data[i], found.get(("b", i), []))
        row = rows[i] = Report(
            workspace_id=ws_id, agency_id=agency_of.get(i), agency_name=report.agency, year=report.year,
            format=report.format, verdict=report.verdict, sha256=shas[i], uploader=items[i].uploader,
            file_name=items[i].file_name if items[i].file_name is not None else (report.file or None),
            published=published, report_json=json_,
        )
        _set_counts(row, json_)
    session.add_all(rows.values())
    await session.flush()  # one INSERT for the batch; the ids come back in order
    rid: dict[int, int] = {i: row.id for i, row in rows.items()}  # type: ignore[misc]

    await _insert_figures(session, [(rid[i], figures[i]) for i in fresh])
    await _insert_many(session, FindingRow, [
        _finding_row(rid[i], f) for i in fresh
        for f in [*(f for f in items[i].report.findings if f.code not in CROSS_YEAR_CODES), *found.get(("b", i), [])]
    ])
    now = utcnow()
    older: list[dict[str, Any]] = []  # stored reports superseded
    for i, (kind, ref) in plan.supersedes.items():
        if kind == "b":
            rows[ref].superseded_by, rows[ref].updated_at = rid[i], now
        else:
            older.append({"old": ref, "new": rid[i], "now": now})
    if older:
        t = Report.__table__
        await session.execute(update(t).where(t.c.id == bindparam("old"))  # type: ignore[attr-defined]
                              .values(superseded_by=bindparam("new"), updated_at=bindparam("now")), older)
        for o in older:  # a copy already loaded in the session sees it too
            if (loaded := session.identity_map.get(identity_key(Report, o["old"]))) is not None:
                set_committed_value(loaded, "superseded_by", o["new"])
    await aggregates.reports_added(session, [rid[i] for i in fresh if ("b", i) not in plan.superseded])
    await aggregates.reports_removed(session, [ref for kind, ref in plan.superseded if kind == "s"])
    # Stored reports re-checked against a new report of the year before.
    recheck = await _rows(session, [ref for kind, ref in plan.bases if kind == "s"])
    await _write_cross_year(session, [(row, found[("s", r)]) for r, row in recheck.items()])
    duplicates = await _rows(session, [stored[s] for s in shas if s in stored])
    await session.flush()
    await session.commit()

    out: list[SaveResult] = []
    for i, sha in enumerate(shas):
        if sha in stored:
            out.append(SaveResult(stored[sha], "duplicate", None, duplicates.get(stored[sha])))
        elif first[sha] != i:
            out.append(SaveResult(rid[first[sha]], "duplicate", None, rows[first[sha]]))
        elif (before := plan.supersedes.get(i)) is not None:
            out.append(SaveResult(rid[i], "superseded", rid[before[1]] if before[0] == "b" else before[1], rows[i]))
        else:
            out.append(SaveResult(rid[i], "stored", None, rows[i]))
    return out


async def _save_retrying(session: AsyncSession, items: Sequence[ToSave], workspace: str | int,
                         published: bool | None) -> list[SaveResult]:
    for attempt in (1, 2):
        try:
            return await _save_batch(session, items, workspace, published)
        except IntegrityError:
            # Another writer may have stored the same file, agency or workspace meanwhile: once more,
            # seeing what it stored (the same file is then a duplicate).
            await session.rollback()
            if attempt == 2:
                raise
        except BaseException:
            await session.rollback()
            raise
    raise AssertionError("unreachable")


async def save_reports(
    session: AsyncSession,
    items: Sequence[ToSave],
    *,
    workspace: str | int = LIBRARY,
    published: bool | None = None,
) -> list[SaveResult | Exception]:
    """Store checked reports in one transaction (committed here), leaving the store as saving them
    one by one in order would: the same file twice is stored once, a later report supersedes an
    earlier one of the same agency and year, cross-year findings and totals end the same.

    When the batch cannot be stored, each report is saved alone, so a report that fails does so
    alone: its exception stands in its place in the result and the others are stored. See
    save_report for `workspace` and `published`.
    """
    if not items:
        return []
    try:
        return list(await _save_retrying(session, items, workspace, published))
    except Exception as exc:
        if len(items) == 1:
            return [exc]
    out: list[SaveResult | Exception] = []
    for item in items:
        try:
            out += await _save_retrying(session, [item], workspace, published)
        except Exception as exc:
            out.append(exc)
    return out


async def save_report(
    session: AsyncSession,
    report: rm.Report,
    *,
    workspace: str | int = LIBRARY,
    uploader: int | None = None,
    file_name: str | None = None,
    published: bool | None = None,
    with_findings: bool = False,
) -> SaveResult:
    """Store a checked report with its figures and findings, in one transaction (committed here):
    save_reports with a batch of one.

    `workspace`: a workspace's id, or its name (created if new). The same file (SHA-256) twice in a
    workspace is stored once ("duplicate"); a new file for the same agency and year supersedes the
    current one ("superseded", previous_id names it). `published` defaults to True in the shared
    library and False elsewhere. The result carries the stored row, and with `with_findings` its
    findings, ready to be shown.
    """
    [res] = await save_reports(session, [ToSave(report, file_name, uploader)], workspace=workspace, published=published)
    if isinstance(res, Exception):
        raise res
    if with_findings:
        res = replace(res, findings=await findings_of(session, res.report_id))
    return res


async def _workspace(session: AsyncSession, workspace: str | int, *, create: bool = True) -> Workspace | None:
    """The workspace of this id, or of this name (added to the session when new and `create`)."""
    if isinstance(workspace, int):
        return await session.get(Workspace, workspace)
    if create:
        return await get_or_create_workspace(session, workspace)
    return (await session.execute(select(Workspace).where(Workspace.name == workspace))).scalar_one_or_none()


# ---------------------------------------------------------------- reading


async def get_report(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def findings_of(session: AsyncSession, report_id: int) -> list[FindingRow]:
    """A stored report's findings in the order they were stored."""
    q = select(FindingRow).where(FindingRow.report_id == report_id).order_by(FindingRow.id)
    return list((await session.execute(q)).scalars())


async def history_of(session: AsyncSession, report_id: int) -> list[Report]:
    """The versions this report superseded, newest first (the report itself not included)."""
    out: list[Report] = []
    current = report_id
    while True:
        q = select(Report).where(Report.superseded_by == current)
        older = (await session.execute(q)).scalar_one_or_none()
        if older is None:
            return out
        out.append(older)
        current = older.id  # type: ignore[assignment]


async def list_reports(
    session: AsyncSession,
    *,
    workspaces: Sequence[int] | None = None,
    include_published: bool = True,
    year: int | None = None,
    agency: int | str | None = None,
    verdict: str | None = None,
    current_only: bool = True,
    limit: int | None = None,
) -> list[Report]:
    """Reports, newest first. `workspaces`: the workspace ids a chat may see (visible_workspace_ids);
    with include_published, published reports of any workspace are seen too; None means all.
    `agency`: an agency id, or a name matched by normalised substring. `current_only` leaves out
    superseded versions."""
    q = select(Report)
    if workspaces is not None:
        cond = Report.workspace_id.in_(list(workspaces))
        q = q.where(or_(cond, Report.published.is_(True)) if include_published else cond)
    if year is not None:
        q = q.where(Report.year == year)
    if isinstance(agency, int):
        q = q.where(Report.agency_id == agency)
    elif agency:
        sub = select(Agency.id).where(Agency.normalised.contains(normalise_agency(agency), autoescape=True))
        q = q.where(Report.agency_id.in_(sub))
    if verdict is not None:
        q = q.where(Report.verdict == verdict)
    if current_only:
        q = q.where(Report.superseded_by.is_(None))
    q = q.order_by(Report.year.desc(), Report.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return list((await session.execute(q)).scalars())


async def count_reports(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Report))).scalar_one())


# ---------------------------------------------------------------- changing


async def set_published(session: AsyncSession, report_id: int, published: bool = True) -> bool:
    """Publish (or withdraw) a report to the shared library. False when there is no such report."""
    await aggregates.published_changed(session, report_id, published)
    res = await session.execute(
        update(Report).where(Report.id == report_id).values(published=published, updated_at=utcnow())
    )
    await session.commit()
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def delete_report(session: AsyncSession, report_id: int, *, workspaces: Sequence[int] | None = None) -> bool:
    """Delete a report with its figures and findings. The version it superseded becomes current
    again; with `workspaces`, only a report owned by one of them is deleted. False if none was."""
    try:
        row = await session.get(Report, report_id)
        if row is None or (workspaces is not None and row.workspace_id not in workspaces):
            return False
        # Older versions now point at what this one pointed at (None: they become current).
        older = list((await session.execute(select(Report.id).where(Report.superseded_by == report_id))).scalars())
        if row.superseded_by is None:
            await aggregates.reports_removed(session, [report_id])
        await session.execute(
            update(Report).where(Report.superseded_by == report_id).values(superseded_by=row.superseded_by)
        )
        if row.superseded_by is None:
            await aggregates.reports_added(session, older)
        await session.execute(delete(Figure).where(Figure.report_id == report_id))
        await session.execute(delete(FindingRow).where(FindingRow.report_id == report_id))
        year, agency_id, ws_id = row.year, row.agency_id, row.workspace_id
        await session.delete(row)
        await session.flush()
        if year is not None and agency_id is not None:
            # The next year's report loses (or regains) its comparison base.
            q = select(Report).where(
                Report.agency_id == agency_id,
                Report.year == year + 1,
                Report.workspace_id == ws_id,
                Report.superseded_by.is_(None),
            )
            for nxt in (await session.execute(q)).scalars():
                await _apply_cross_year(session, nxt)
            # A restored older version of this year is re-checked too.
            q = select(Report).where(
                Report.agency_id == agency_id,
                Report.year == year,
                Report.workspace_id == ws_id,
                Report.superseded_by.is_(None),
            )
            for same in (await session.execute(q)).scalars():
                await _apply_cross_year(session, same)
        await session.commit()
        return True
    except BaseException:
        await session.rollback()
        raise


# ---------------------------------------------------------------- chats


async def get_or_create_chat(session: AsyncSession, chat_id: int) -> Chat:
    """The chat's row, created with its private workspace on first contact (committed)."""
    q = select(Chat).where(Chat.chat_id == chat_id)
    chat = (await session.execute(q)).scalar_one_or_none()
    if chat is not None:
        return chat
    try:
        ws = await get_or_create_workspace(session, chat_workspace_name(chat_id))
        chat = Chat(chat_id=chat_id, workspace_id=ws.id)  # type: ignore[arg-type]
        session.add(chat)
        await session.commit()
        return chat
    except IntegrityError:
        await session.rollback()  # created by a concurrent update of the same chat
        return (await session.execute(q)).scalar_one()


async def set_chat_lang(session: AsyncSession, chat_id: int, lang: str | None) -> Chat:
    if lang not in ("zh", "en", None):
        raise ValueError(f"unknown language {lang!r}")
    chat = await get_or_create_chat(session, chat_id)
    chat.lang = lang
    await session.commit()
    return chat


async def unblock_chat(session: AsyncSession, chat_id: int) -> bool:
    """A chat that writes to the bot again no longer blocks it. True when it was marked blocked."""
    blocked = (await session.execute(select(Chat.blocked).where(Chat.chat_id == chat_id))).scalar_one_or_none()
    if blocked:
        await set_chat_blocked(session, chat_id, False)
    return bool(blocked)


async def recent_agency_names(session: AsyncSession, workspace_id: int, limit: int = 50) -> list[str]:
    """Agency names of the workspace's reports, newest first (repeats kept)."""
    q = (
        select(Report.agency_name)
        .where(Report.workspace_id == workspace_id, Report.agency_name.is_not(None))
        .order_by(Report.id.desc())
        .limit(limit)
    )
    return [n for n in (await session.execute(q)).scalars() if n]


async def set_chat_blocked(session: AsyncSession, chat_id: int, blocked: bool = True) -> Chat:
    """Mark a chat that blocked the bot (nothing more is sent to it) or unblocked it."""
    chat = await get_or_create_chat(session, chat_id)
    chat.blocked = blocked
    await session.commit()
    return chat


async def visible_workspace_ids(session: AsyncSession, chat: Chat | int) -> list[int]:
    """The workspaces a chat sees: its own and the shared library (pass them to list_reports with
    include_published=True to add reports published from other chats)."""
    if isinstance(chat, int):
        chat = await get_or_create_chat(session, chat)
    library = await get_or_create_workspace(session, LIBRARY)
    await session.commit()
    return [chat.workspace_id, library.id]  # type: ignore[list-item]
