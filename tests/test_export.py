"""XLSX export read back with openpyxl, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.export import main as export_main
from reports.model import CANONICAL_KEYS
from storage import repo
from storage.export import FINDING_COLUMNS, REPORT_COLUMNS, export_xlsx
from tests.conftest_db import balance_error, blank_warning, make_report

XINXIANG = "新乡市工业和信息化局"
LINGBAO = "灵宝市工业和信息化科技局"


async def test_export_reports_and_findings(session: AsyncSession, tmp_path: Path) -> None:
    a = await repo.save_report(
        session,
        make_report(LINGBAO, 2023, {"s3.new.person": 7, "s3.new.total": None, "s2.fees": 0.5},
                    findings=[blank_warning("s3.new.total")]),
    )
    b = await repo.save_report(
        session, make_report(XINXIANG, 2023, {"s3.new.person": 11}, findings=[balance_error("total", 12, 11)])
    )
    old = await repo.save_report(session, make_report(XINXIANG, 2022, {"s3.new.person": 3}))
    superseded = await repo.save_report(session, make_report(XINXIANG, 2023, {"s3.new.person": 1}, tag="draft0"))
    draft = await repo.save_report(session, make_report(LINGBAO, 2022, tag="x"), workspace="chat:1")
    assert superseded.previous_id == b.report_id
    assert draft.status == "stored"

    out = tmp_path / "out" / "reports.xlsx"
    n = await export_xlsx(session, out, year=2023, workspaces=["library"])
    assert n == 2
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["reports", "findings"]
    rows = list(wb["reports"].iter_rows(values_only=True))
    header = rows[0]
    assert header == (*REPORT_COLUMNS, *CANONICAL_KEYS)
    assert len(header) == 8 + 200
    by_agency = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert sorted(by_agency) == sorted([LINGBAO, XINXIANG])
    lb = by_agency[LINGBAO]
    assert (lb["id"], lb["year"], lb["format"], lb["verdict"], lb["errors"], lb["warnings"], lb["file"]) == (
        a.report_id, 2023, "2021", "pass", 0, 1, f"{LINGBAO}-2023.txt"
    )
    assert (lb["s3.new.person"], lb["s3.new.total"], lb["s2.fees"], lb["s4.review.total"]) == (7, None, 0.5, 0)
    xx = by_agency[XINXIANG]
    # The current version of Xinxiang 2023 is the one that superseded b.
    assert (xx["id"], xx["verdict"], xx["errors"], xx["s3.new.person"]) == (superseded.report_id, "pass", 0, 1)

    # Read-only openpyxl leaves trailing empty cells out of a row: pad them back.
    frows = [tuple(r) + (None,) * (len(FINDING_COLUMNS) - len(r)) for r in wb["findings"].iter_rows(values_only=True)]
    assert frows[0] == FINDING_COLUMNS
    assert frows[1:] == [
        (a.report_id, LINGBAO, 2023, f"{LINGBAO}-2023.txt", "blank-cell", "warning", "s3.new.total 为空",
         "s3.new.total is blank", 3, "new", "total", "s3.new.total", None, None),
    ]

    # Everything, all years and workspaces: 4 current reports (the superseded one is history).
    n_all = await export_xlsx(session, tmp_path / "all.xlsx")
    assert n_all == 4
    ids = [r[0] for r in list(load_workbook(tmp_path / "all.xlsx", read_only=True)["reports"].iter_rows(values_only=True))[1:]]
    assert sorted(ids) == sorted([a.report_id, superseded.report_id, old.report_id, draft.report_id])


async def test_export_command(db_url: str, session: AsyncSession, tmp_path: Path) -> None:
    await repo.save_report(session, make_report(LINGBAO, 2023, {"s3.new.person": 2}))
    await repo.save_report(session, make_report(LINGBAO, 2022))
    await repo.save_report(session, make_report(XINXIANG, 2023), workspace="chat:5")  # private: not exported
    out = tmp_path / "cli.xlsx"
    # The command runs its own event loop: give it a thread of its own.
    argv = ["--xlsx", str(out), "--year", "2023", "--database-url", db_url]
    assert await asyncio.to_thread(export_main, argv) == 0
    rows = list(load_workbook(out, read_only=True)["reports"].iter_rows(values_only=True))
    assert [(r[1], r[2]) for r in rows[1:]] == [(LINGBAO, 2023)]
    assert rows[1][REPORT_COLUMNS.index("verdict")] == "pass"
    assert rows[1][len(REPORT_COLUMNS) + CANONICAL_KEYS.index("s3.new.person")] == 2
