"""XLSX export (`nianbao export`, bot.commands.export).

Sheet "reports": one row per current (not superseded) report: id, agency, year, format, verdict,
errors, warnings, file, then every canonical figure (FORMAT.md key as the column header; a blank
figure is an empty cell), then any format-specific keys. Sheet "findings": every finding of those
reports with its report id, code, severity, messages, location, expected and actual.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.model import CANONICAL_KEYS
from storage import repo
from storage.models import LIBRARY, Figure, FindingRow, Workspace

REPORT_COLUMNS: tuple[str, ...] = ("id", "agency", "year", "format", "verdict", "errors", "warnings", "file")
FINDING_COLUMNS: tuple[str, ...] = (
    "report_id", "agency", "year", "file", "code", "severity", "message_zh", "message_en",
    "section", "row", "column", "key", "expected", "actual",
)
_CHUNK = 500  # reports per IN (...) query: well under every driver's parameter limit


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    return v


async def _workspace_ids(session: AsyncSession, workspaces: Sequence[int | str]) -> list[int]:
    names = [w for w in workspaces if isinstance(w, str)]
    ids = [w for w in workspaces if isinstance(w, int)]
    if names:
        rows = await session.execute(select(Workspace.id).where(Workspace.name.in_(names)))
        ids += [r[0] for r in rows.all()]
    return ids


async def export_xlsx(
    session: AsyncSession,
    path: str | Path,
    *,
    year: int | None = None,
    workspaces: Sequence[int | str] | None = None,
    include_published: bool = False,
) -> int:
    """Write the XLSX file; returns the number of reports in it. `workspaces` (ids or names) limits
    the export to those workspaces (plus published reports with include_published); None: all."""
    from openpyxl import Workbook

    ids = None if workspaces is None else await _workspace_ids(session, workspaces)
    reports = await repo.list_reports(session, workspaces=ids, include_published=include_published, year=year)
    reports.sort(key=lambda r: (r.agency_name or "", r.year or 0, r.id or 0))
    report_ids = [r.id for r in reports]

    figures: dict[int, dict[str, float | None]] = {rid: {} for rid in report_ids}  # type: ignore[misc]
    findings: dict[int, list[FindingRow]] = {rid: [] for rid in report_ids}  # type: ignore[misc]
    for start in range(0, len(report_ids), _CHUNK):
        chunk = report_ids[start:start + _CHUNK]
        rows = await session.execute(
            select(Figure.report_id, Figure.key, Figure.value, Figure.is_null).where(Figure.report_id.in_(chunk))
        )
        for rid, key, value, is_null in rows.all():
            figures[rid][key] = None if is_null else value
        q = select(FindingRow).where(FindingRow.report_id.in_(chunk)).order_by(FindingRow.id)
        for f in (await session.execute(q)).scalars():
            findings[f.report_id].append(f)

    extra = sorted({k for fs in figures.values() for k in fs} - set(CANONICAL_KEYS))
    keys = list(CANONICAL_KEYS) + extra

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("reports")
    ws.freeze_panes = "B2"
    ws.append([*REPORT_COLUMNS, *keys])
    wf = wb.create_sheet("findings")
    wf.freeze_panes = "A2"
    wf.append(list(FINDING_COLUMNS))
    for r in reports:
        fs = figures[r.id]  # type: ignore[index]
        ws.append([
            r.id, r.agency_name, r.year, r.format, r.verdict, r.error_count, r.warning_count, r.file_name,
            *(_cell(fs.get(k)) for k in keys),
        ])
        for f in findings[r.id]:  # type: ignore[index]
            wf.append([
                r.id, r.agency_name, r.year, r.file_name, f.code, f.severity, f.message_zh, f.message_en,
                f.section, f.row, f.column, f.key, _cell(f.expected), _cell(f.actual),
            ])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return len(reports)


async def export_store(url: str, path: str, year: int | None = None, workspace: str | None = None) -> int:
    """Export the store at `url` to `path`: the shared library and whatever was published to it (the
    command line's view), or one workspace's reports. Returns the number of reports written."""
    from storage.db import open_store

    async with await open_store(url) as store, store.sessions() as session:
        if workspace is None or workspace == LIBRARY:
            return await export_xlsx(session, path, year=year, workspaces=[LIBRARY], include_published=True)
        return await export_xlsx(session, path, year=year, workspaces=[workspace])
