"""The store on SQLite and PostgreSQL: migrations, save, duplicate, supersede, atomicity, cross-year
findings, publish/visibility, delete, chats."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Basics, Settings
from reports import model as rm
from storage import repo
from storage.db import make_engine, upgrade
from storage.models import Agency, Chat, Figure, FindingRow, Report, Workspace
from tests.conftest_db import balance_error, blank_warning, make_report

LINGBAO = "灵宝市工业和信息化科技局"


async def count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


# ------------------------------------------------------------------ database and migrations


async def test_upgrade_is_repeatable_and_records_revision(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)  # a second run changes nothing and does not fail
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            revs = [r[0] for r in (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()]
            n = (await conn.execute(text("SELECT count(*) FROM reports"))).scalar_one()
    finally:
        await engine.dispose()
    assert len(revs) == 1
    assert revs[0] >= "0001"
    assert n == 0


async def test_migrations_match_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    """What Alembic built is what the sqlmodel classes declare (nothing for autogenerate to add)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401

    def diff(conn):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


def test_database_url_defaults_to_sqlite_in_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path / "d" / "e"))
    url = Basics.from_env().db_url()
    assert url == f"sqlite+aiosqlite:///{tmp_path / 'd' / 'e' / 'nianbao.db'}"
    assert (tmp_path / "d" / "e").is_dir()
    assert Settings(_env_file=None).db_url() == url  # type: ignore[call-arg]
    monkeypatch.setenv("NIANBAO_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    assert Basics.from_env().db_url() == "postgresql+asyncpg://u@h/db"
    assert Settings(_env_file=None).db_url() == "postgresql+asyncpg://u@h/db"  # type: ignore[call-arg]
    assert Basics.from_env().db_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


# ------------------------------------------------------------------ saving


async def test_save_stores_report_figures_and_findings(session: AsyncSession) -> None:
    report = make_report(
        LINGBAO,
        2023,
        {"s3.new.person": 5, "s3.new.total": None, "s2.fees": 1.25},
        findings=[blank_warning("s3.new.total"), balance_error("person", 5, 4)],
    )
    res = await repo.save_report(session, report, uploader=777, file_name="lingbao.txt")
    assert res.status == "stored"
    assert res.previous_id is None

    row = await repo.get_report(session, res.report_id)
    assert row is not None
    assert (row.agency_name, row.year, row.format, row.verdict) == (LINGBAO, 2023, "2021", "fail")
    assert (row.error_count, row.warning_count) == (1, 1)
    assert (row.file_name, row.uploader, row.published, row.superseded_by) == ("lingbao.txt", 777, True, None)
    assert row.sha256 == report.sha256
    assert row.report_json["figures"]["s3.new.person"] == 5
    assert row.report_json["verdict"] == "fail"

    figures = await repo.figures_of(session, res.report_id)
    assert len(figures) == 200
    assert figures["s3.new.person"] == 5.0
    assert figures["s3.new.total"] is None
    assert figures["s2.fees"] == 1.25
    assert figures["s4.review.total"] == 0.0
    nulls = (await session.execute(select(func.count()).where(Figure.is_null.is_(True)))).scalar_one()
    assert nulls == 1

    found = await repo.findings_of(session, res.report_id)
    assert [(f.code, f.severity, f.section, f.row, f.column, f.key, f.expected, f.actual) for f in found] == [
        ("blank-cell", "warning", 3, "new", "total", "s3.new.total", None, None),
        ("column-balance", "error", 3, None, "person", None, 5, 4),
    ]
    assert found[1].message_en == "column person does not balance"

    agency = (await session.execute(select(Agency))).scalar_one()
    assert (agency.name, agency.normalised, agency.city, agency.kind, agency.level) == (
        LINGBAO, LINGBAO, "灵宝市", "department", "city"
    )
    ws = await session.get(Workspace, row.workspace_id)
    assert ws is not None and ws.name == "library"


async def test_same_file_twice_is_stored_once(session: AsyncSession) -> None:
    report = make_report(LINGBAO, 2023)
    first = await repo.save_report(session, report)
    second = await repo.save_report(session, report)
    assert second == repo.SaveResult(first.report_id, "duplicate", None)
    assert await count(session, Report) == 1
    assert await count(session, Figure) == 200
    # Another workspace keeps its own copy; a draft there is not published.
    third = await repo.save_report(session, report, workspace="chat:42")
    assert third.status == "stored"
    assert third.report_id != first.report_id
    row = await repo.get_report(session, third.report_id)
    assert row is not None and row.published is False
    assert await count(session, Report) == 2


async def test_concurrent_saves_of_one_file_store_it_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    report = make_report(LINGBAO, 2023)

    async def save() -> repo.SaveResult:
        async with sessionmaker() as s:
            return await repo.save_report(s, report)

    results = await asyncio.gather(*(save() for _ in range(4)))
    assert sorted(r.status for r in results) == ["duplicate", "duplicate", "duplicate", "stored"]
    assert len({r.report_id for r in results}) == 1
    async with sessionmaker() as s:
        assert await count(s, Report) == 1
        assert await count(s, Agency) == 1
        assert await count(s, Workspace) == 1


async def test_corrected_version_supersedes_and_keeps_history(session: AsyncSession) -> None:
    v1 = await repo.save_report(session, make_report(LINGBAO, 2023, {"s3.new.person": 1}, tag="v1"))
    # The same agency printed with a space and full-width brackets matches the stored one.
    v2 = await repo.save_report(session, make_report("灵宝市 工业和信息化科技局", 2023, {"s3.new.person": 2}, tag="v2"))
    v3 = await repo.save_report(session, make_report(LINGBAO, 2023, {"s3.new.person": 3}, tag="v3"))
    other_year = await repo.save_report(session, make_report(LINGBAO, 2022, tag="old"))
    assert (v1.status, v2.status, v3.status, other_year.status) == ("stored", "superseded", "superseded", "stored")
    assert (v2.previous_id, v3.previous_id) == (v1.report_id, v2.report_id)

    current = await repo.list_reports(session, year=2023)
    assert [r.id for r in current] == [v3.report_id]
    every = await repo.list_reports(session, year=2023, current_only=False)
    assert [r.id for r in every] == [v3.report_id, v2.report_id, v1.report_id]
    assert [r.id for r in await repo.history_of(session, v3.report_id)] == [v2.report_id, v1.report_id]
    r1 = await repo.get_report(session, v1.report_id)
    assert r1 is not None and r1.superseded_by == v2.report_id
    agency = (await session.execute(select(Agency))).scalar_one()
    assert agency.aliases == ["灵宝市 工业和信息化科技局"]
    assert await count(session, Agency) == 1

    # Deleting the newest version makes the one before current again.
    assert await repo.delete_report(session, v3.report_id) is True
    assert [r.id for r in await repo.list_reports(session, year=2023)] == [v2.report_id]
    assert await repo.delete_report(session, v3.report_id) is False
    assert await count(session, Report) == 3
    assert await count(session, Figure) == 600


async def test_failure_mid_save_leaves_nothing(session: AsyncSession) -> None:
    bad = make_report(LINGBAO, 2023, findings=[blank_warning("s3.new.total")])
    # A figure key longer than the schema allows fails after the report row and agency were written.
    bad.cells["s2." + "x" * 100] = rm.Cell(1)
    with pytest.raises(DBAPIError):
        await repo.save_report(session, bad, workspace="chat:9")
    for model in (Report, Figure, FindingRow, Agency, Workspace):
        assert await count(session, model) == 0, model
    # The session is usable again and a good report is stored whole.
    good = await repo.save_report(session, make_report(LINGBAO, 2023))
    assert good.status == "stored"
    assert (await count(session, Report), await count(session, Figure), await count(session, Agency)) == (1, 200, 1)


async def test_report_without_agency_or_year_is_stored_without_supersede(session: AsyncSession) -> None:
    a = await repo.save_report(session, make_report(None, None, tag="a"))
    b = await repo.save_report(session, make_report(None, None, tag="b"))
    assert (a.status, b.status) == ("stored", "stored")
    row = await repo.get_report(session, b.report_id)
    assert row is not None and (row.agency_id, row.year, row.superseded_by) == (None, None, None)
    assert await count(session, Agency) == 0


# ------------------------------------------------------------------ cross-year findings

PREV_2022 = {
    "s3.carried_out.person": 3, "s3.carried_out.business": 1, "s3.carried_out.total": 4,
    "s2.rules.in_force": 10, "s2.normative.in_force": 20,
}
CUR_2023 = {
    "s3.carried_in.person": 2, "s3.carried_in.business": 1, "s3.carried_in.total": 3,
    "s2.rules.issued": 2, "s2.rules.repealed": 1, "s2.rules.in_force": 12,
    "s2.normative.issued": 4, "s2.normative.repealed": 0, "s2.normative.in_force": 24,
}
EXPECTED_CROSS = [
    ("carryover-mismatch", "warning", 3, "carried_in", "person", "s3.carried_in.person", 3, 2),
    ("carryover-mismatch", "warning", 3, "carried_in", "total", "s3.carried_in.total", 4, 3),
    ("in-force-mismatch", "warning", 2, "rules", "in_force", "s2.rules.in_force", 11, 12),
]


def cross(found: list) -> list[tuple]:
    return [
        (f.code, f.severity, f.section, f.row, f.column, f.key, f.expected, f.actual)
        for f in found
        if f.code in ("carryover-mismatch", "in-force-mismatch")
    ]


async def test_cross_year_findings_against_last_year(session: AsyncSession) -> None:
    await repo.save_report(session, make_report(LINGBAO, 2022, PREV_2022))
    res = await repo.save_report(session, make_report(LINGBAO, 2023, CUR_2023, findings=[blank_warning("s3.new.total")]))
    found = await repo.findings_of(session, res.report_id)
    assert cross(found) == EXPECTED_CROSS
    assert found[1].message_zh == "上年结转政府信息公开申请数量（自然人）为 2，与 2022 年报告的“结转下年度继续办理”3 不一致"
    row = await repo.get_report(session, res.report_id)
    assert row is not None
    assert (row.verdict, row.error_count, row.warning_count) == ("pass", 0, 4)
    assert [f["code"] for f in row.report_json["findings"]] == [
        "blank-cell", "carryover-mismatch", "carryover-mismatch", "in-force-mismatch"
    ]


async def test_cross_year_order_does_not_matter(session: AsyncSession) -> None:
    later = await repo.save_report(session, make_report(LINGBAO, 2023, CUR_2023))
    assert cross(await repo.findings_of(session, later.report_id)) == []
    await repo.save_report(session, make_report(LINGBAO, 2022, PREV_2022))
    assert cross(await repo.findings_of(session, later.report_id)) == EXPECTED_CROSS
    row = await repo.get_report(session, later.report_id)
    assert row is not None and row.warning_count == 3

    # A corrected 2022 report that agrees with 2023 clears the findings.
    fixed = dict(PREV_2022, **{"s3.carried_out.person": 2, "s3.carried_out.total": 3, "s2.rules.in_force": 11})
    res = await repo.save_report(session, make_report(LINGBAO, 2022, fixed, tag="fixed"))
    assert res.status == "superseded"
    assert cross(await repo.findings_of(session, later.report_id)) == []
    await session.refresh(row)
    assert row.warning_count == 0
    assert row.report_json["findings"] == []

    # Deleting the correction brings the old 2022 report, and the findings, back.
    assert await repo.delete_report(session, res.report_id)
    assert cross(await repo.findings_of(session, later.report_id)) == EXPECTED_CROSS


async def test_cross_year_uses_only_the_same_agency(session: AsyncSession) -> None:
    await repo.save_report(session, make_report("新乡市工业和信息化局", 2022, PREV_2022))
    res = await repo.save_report(session, make_report(LINGBAO, 2023, CUR_2023))
    assert cross(await repo.findings_of(session, res.report_id)) == []


# ------------------------------------------------------------------ workspaces, publishing, chats


async def test_chat_visibility_and_publishing(session: AsyncSession) -> None:
    lib = await repo.save_report(session, make_report("新乡市工业和信息化局", 2023))
    draft = await repo.save_report(session, make_report(LINGBAO, 2023), workspace="chat:42", uploader=5)
    other = await repo.save_report(session, make_report(LINGBAO, 2022), workspace="chat:43")

    mine = await repo.visible_workspace_ids(session, 42)
    chat = await repo.get_or_create_chat(session, 42)
    ws = await session.get(Workspace, chat.workspace_id)
    assert ws is not None and ws.name == "chat:42"
    seen = {r.id for r in await repo.list_reports(session, workspaces=mine)}
    assert seen == {lib.report_id, draft.report_id}
    theirs = await repo.visible_workspace_ids(session, 43)
    assert {r.id for r in await repo.list_reports(session, workspaces=theirs)} == {lib.report_id, other.report_id}

    assert await repo.set_published(session, draft.report_id) is True
    assert {r.id for r in await repo.list_reports(session, workspaces=theirs)} == {
        lib.report_id, other.report_id, draft.report_id
    }
    only_own = await repo.list_reports(session, workspaces=[chat.workspace_id], include_published=False)
    assert [r.id for r in only_own] == [draft.report_id]
    assert await repo.set_published(session, 10_000, True) is False

    # Filters.
    assert [r.id for r in await repo.list_reports(session, agency="灵宝")] == [draft.report_id, other.report_id]
    assert [r.id for r in await repo.list_reports(session, year=2022)] == [other.report_id]
    assert [r.id for r in await repo.list_reports(session, verdict="fail")] == []

    # Another chat cannot delete the draft; its owner can.
    assert await repo.delete_report(session, draft.report_id, workspaces=theirs) is False
    assert await repo.delete_report(session, draft.report_id, workspaces=mine) is True
    assert await count(session, FindingRow) == 0


async def test_chats(session: AsyncSession) -> None:
    a = await repo.get_or_create_chat(session, 9_000_000_000)  # chat ids exceed 32 bits
    b = await repo.get_or_create_chat(session, 9_000_000_000)
    assert a.id == b.id
    assert (a.lang, a.blocked) == (None, False)
    c = await repo.set_chat_lang(session, 9_000_000_000, "en")
    assert c.lang == "en"
    with pytest.raises(ValueError):
        await repo.set_chat_lang(session, 9_000_000_000, "fr")
    d = await repo.set_chat_blocked(session, 9_000_000_000)
    assert d.blocked is True
    assert await count(session, Chat) == 1
    rows = (await session.execute(select(Chat.chat_id, Chat.lang, Chat.blocked))).all()
    assert [tuple(r) for r in rows] == [(9_000_000_000, "en", True)]
