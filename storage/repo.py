"""Repository functions over an AsyncSession: save a checked report, find, list, publish, delete; chats.

save_report and the other writers commit their own transaction (and roll it back on failure), so a
report is stored whole or not at all. Saving is idempotent by SHA-256 per workspace; a new file for
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

from sqlalchemy import case, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
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


async def get_or_create_agency(session: AsyncSession, name: str) -> Agency:
    """The agency of a printed name (matched by normalised name), added if new; a new spelling of a
    known agency is kept among its aliases. Not committed."""
    agency = await find_agency(session, name)
    printed = name.strip()
    if agency is None:
        province, city, county = agency_region(printed)
        agency = Agency(
            name=printed,
            normalised=normalise_agency(printed),
            province=province,
            city=city,
            county=county,
            level=agency_level(printed),
            kind=agency_kind(printed),
            aliases=[],
        )
        session.add(agency)
        await session.flush()
        await aliases.add_agency(session, agency.id, printed)  # type: ignore[arg-type]
    elif printed != agency.name and printed not in agency.aliases:
        agency.aliases = [*agency.aliases, printed]  # a new list, so the JSON column sees the change
    return agency


# ---------------------------------------------------------------- saving


def _sha256(report: rm.Report) -> str:
    if report.sha256:
        return report.sha256
    # A report built in code has no file behind it: its content stands in for the file.
    return hashlib.sha256(json.dumps(report.to_json(), sort_keys=True, default=str).encode()).hexdigest()


async def _insert_many(session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """A Core executemany on the session's connection (same transaction): much cheaper than the
    ORM's bulk path for the 200 figure rows of every report."""
    conn = await session.connection()
    await conn.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


# A report's figures in one statement on PostgreSQL: two arrays instead of 200 parameter sets.
_FIGURES_PG = text("INSERT INTO figures (report_id, key, value, is_null) SELECT :rid, k, v, v IS NULL "
                   "FROM unnest(CAST(:keys AS VARCHAR[]), CAST(:vals AS FLOAT8[])) AS t(k, v)")


async def _insert_figures(session: AsyncSession, report_id: int, figures: dict[str, Any]) -> None:
    """A report's figures (None: blank), in their order."""
    values = [None if v is None else float(v) for v in figures.values()]
    if session.bind.dialect.name == "postgresql":
        await session.execute(_FIGURES_PG, {"rid": report_id, "keys": list(figures), "vals": values})
        return
    await _insert_many(session, Figure, [{"report_id": report_id, "key": k, "value": v, "is_null": v is None}
                                         for k, v in zip(figures, values, strict=True)])


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


async def _year_neighbour(session: AsyncSession, row: Report, year: int, *, same_workspace_only: bool,
                          id_only: bool = False) -> Any:
    """The current report of the same agency for `year`: from the row's own workspace first,
    else (unless same_workspace_only) a published one; with id_only its id (no JSON to decode)."""
    if row.agency_id is None:
        return None
    q = select(Report.id if id_only else Report).where(
        Report.agency_id == row.agency_id, Report.year == year, Report.superseded_by.is_(None), Report.id != row.id
    )
    if same_workspace_only:
        q = q.where(Report.workspace_id == row.workspace_id)
    else:
        q = q.where(or_(Report.workspace_id == row.workspace_id, Report.published.is_(True)))
    q = q.order_by(case((Report.workspace_id == row.workspace_id, 0), else_=1), Report.id.desc()).limit(1)
    return (await session.execute(q)).scalar_one_or_none()


async def _apply_cross_year(session: AsyncSession, row: Report, figures: dict[str, float | None] | None = None) -> None:
    """(Re)compute the row's cross-year findings against last year's report; keep rows, JSON and counts in step."""
    found: list[rm.Finding] = []
    if row.year is not None:
        prev_id = await _year_neighbour(session, row, row.year - 1, same_workspace_only=False, id_only=True)
        if prev_id is not None:
            if figures is None:
                figures = await figures_of(session, row.id, _CROSS_YEAR_KEYS)  # type: ignore[arg-type]
            previous = await figures_of(session, prev_id, _CROSS_YEAR_KEYS)
            found = cross_year_findings(figures, previous, previous_year=row.year - 1)
    old = [f for f in row.report_json.get("findings", []) if f.get("code") in CROSS_YEAR_CODES]
    if not found and not old:
        return
    await session.execute(
        delete(FindingRow).where(FindingRow.report_id == row.id, FindingRow.code.in_(CROSS_YEAR_CODES))
    )
    if found:
        await _insert_many(session, FindingRow, [_finding_row(row.id, f) for f in found])  # type: ignore[arg-type]
    data = dict(row.report_json)
    kept = [f for f in data.get("findings", []) if f.get("code") not in CROSS_YEAR_CODES]
    data["findings"] = kept + [f.to_json() for f in found]
    _set_counts(row, data)
    row.report_json = data
    row.updated_at = utcnow()


def _set_counts(row: Report, data: dict[str, Any]) -> None:
    findings = data.get("findings", [])
    row.error_count = sum(1 for f in findings if f.get("severity") == "error")
    row.warning_count = sum(1 for f in findings if f.get("severity") == "warning")
    row.verdict = "fail" if row.error_count else "pass"
    data["verdict"] = row.verdict


async def _refresh_next_year(session: AsyncSession, row: Report) -> None:
    """The same agency's next-year report in the same workspace is re-checked against `row`."""
    if row.year is None:
        return
    nxt = await _year_neighbour(session, row, row.year + 1, same_workspace_only=True)
    if nxt is not None:
        await _apply_cross_year(session, nxt)


async def find_by_sha(session: AsyncSession, workspace_id: int, sha: str) -> Report | None:
    """The report of this file (by SHA-256) already stored in the workspace, if any."""
    q = select(Report).where(Report.workspace_id == workspace_id, Report.sha256 == sha)
    return (await session.execute(q)).scalar_one_or_none()


async def _save_once(
    session: AsyncSession,
    report: rm.Report,
    sha: str,
    workspace: str | int,
    uploader: int | None,
    file_name: str | None,
    published: bool | None,
) -> SaveResult:
    ws = await _workspace(session, workspace)
    if ws is None:
        raise LookupError(f"no workspace {workspace!r}")
    if published is None:
        published = ws.name == LIBRARY
    existing = await find_by_sha(session, ws.id, sha)  # type: ignore[arg-type]
    if existing is not None:
        existing_id: int = existing.id  # type: ignore[assignment]
        await session.rollback()  # end the reading transaction; nothing was written
        return SaveResult(existing_id, "duplicate", None, await session.get(Report, existing_id))

    agency = await get_or_create_agency(session, report.agency) if report.agency and report.agency.strip() else None
    previous: Report | None = None
    if agency is not None and report.year is not None:
        q = (
            select(Report)
            .where(
                Report.workspace_id == ws.id,
                Report.agency_id == agency.id,
                Report.year == report.year,
                Report.superseded_by.is_(None),
            )
            .order_by(Report.id.desc())
            .limit(1)
        )
        previous = (await session.execute(q)).scalar_one_or_none()

    data = report.to_json()
    figures = report.figures
    row = Report(
        workspace_id=ws.id,  # type: ignore[arg-type]
        agency_id=agency.id if agency else None,
        agency_name=report.agency,
        year=report.year,
        format=report.format,
        verdict=report.verdict,
        file_name=file_name if file_name is not None else (report.file or None),
        sha256=sha,
        uploader=uploader,
        published=published,
        report_json=data,
    )
    _set_counts(row, data)
    session.add(row)
    await session.flush()
    rid: int = row.id  # type: ignore[assignment]

    if figures:
        await _insert_figures(session, rid, figures)
    if report.findings:
        await _insert_many(session, FindingRow, [_finding_row(rid, f) for f in report.findings])
    await aggregates.report_added(session, rid)
    await _apply_cross_year(session, row, {k: figures.get(k) for k in _CROSS_YEAR_KEYS})

    status: SaveStatus = "stored"
    previous_id: int | None = None
    if previous is not None:
        previous_id = previous.id
        await aggregates.report_removed(session, previous.id)  # type: ignore[arg-type]
        previous.superseded_by = rid
        previous.updated_at = utcnow()
        status = "superseded"
    await session.flush()
    await _refresh_next_year(session, row)
    await session.commit()
    return SaveResult(rid, status, previous_id, row)


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
    """Store a checked report with its figures and findings, in one transaction (committed here).

    `workspace`: a workspace's id, or its name (created if new). The same file (SHA-256) twice in a
    workspace is stored once ("duplicate"); a new file for the same agency and year supersedes the
    current one ("superseded", previous_id names it). `published` defaults to True in the shared
    library and False elsewhere. The result carries the stored row, and with `with_findings` its
    findings, ready to be shown.
    """
    sha = _sha256(report)
    for attempt in (1, 2):
        try:
            res = await _save_once(session, report, sha, workspace, uploader, file_name, published)
        except IntegrityError:
            # Another writer may have stored the same file, agency or workspace meanwhile.
            await session.rollback()
            ws = await _workspace(session, workspace, create=False)
            existing = await find_by_sha(session, ws.id, sha) if ws is not None else None  # type: ignore[arg-type]
            if existing is None:
                if attempt == 2:
                    raise
                continue
            existing_id: int = existing.id  # type: ignore[assignment]
            await session.rollback()
            res = SaveResult(existing_id, "duplicate", None, await session.get(Report, existing_id))
        except BaseException:
            await session.rollback()
            raise
        if with_findings:
            res = replace(res, findings=await findings_of(session, res.report_id))
        return res
    raise AssertionError("unreachable")


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
            await aggregates.report_removed(session, report_id)
        await session.execute(
            update(Report).where(Report.superseded_by == report_id).values(superseded_by=row.superseded_by)
        )
        if row.superseded_by is None:
            for rid in older:
                await aggregates.report_added(session, rid)
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
