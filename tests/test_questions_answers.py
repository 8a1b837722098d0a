"""The store the question tests ask: the three samples (read by reports.check) and reports made
from tests/docgen.py figures (known exactly), in the shared library; a superseded version, a failing
report and a private draft of a chat workspace. `expected(...)` computes an answer from the figures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.commands.ask import main as ask_main
from handlers.answers_text import render_answer as say
from reports import check
from reports import model as rm
from reports.questions import EXAMPLES
from storage import repo
from storage.answers import Answer, answer, answer_stored
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.reader import DriverReader
from tests.conftest_db import _pg_exec, balance_error, make_report
from tests.docgen import make_figures

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"  # the checkout's sibling folder
TODAY = dt.date(2025, 3, 1)  # 去年 / last year = 2024

LINGBAO = "灵宝市工业和信息化科技局"
XINXIANG = "新乡市工业和信息化局"
HUAIAN = "淮安市人民政府"
XX_GOV = "新乡市人民政府"
LB_MARKET = "灵宝市市场监督管理局"
WEIHUI = "卫辉市工业和信息化局"
HA_IND = "淮安市工业和信息化局"
HA_EDU = "淮安市淮阴区教育局"
LB_POLICE = "灵宝市公安局"  # a private draft of chat 42 only
CHAT = "chat:42"

SAMPLE_FILES = {(LINGBAO, 2023): "lingbao-2023.txt", (XINXIANG, 2023): "xinxiang-2023.txt",
                (HUAIAN, 2024): "huaian-2024.pdf"}
# (agency, year, seed, file name, workspace, fails): generated reports, saved in this order.
GENERATED: tuple[tuple[str, int, int, str, str, bool], ...] = (
    (XINXIANG, 2022, 1, "xinxiang-ind-2022.txt", "library", False),
    (LINGBAO, 2022, 2, "lingbao-ind-2022.txt", "library", False),
    (XX_GOV, 2023, 3, "xinxiang-gov-2023.txt", "library", False),
    (XX_GOV, 2022, 4, "xinxiang-gov-2022.txt", "library", False),
    (LB_MARKET, 2023, 5, "lingbao-market-2023.txt", "library", False),
    (WEIHUI, 2023, 6, "weihui-ind-2023.txt", "library", False),
    (HA_IND, 2024, 70, "huaian-ind-2024-draft.txt", "library", False),  # superseded by the next one
    (HA_IND, 2024, 7, "huaian-ind-2024.txt", "library", False),
    (HA_EDU, 2024, 8, "huaiyin-edu-2024.txt", "library", False),
    (HUAIAN, 2023, 9, "huaian-gov-2023.txt", "library", False),
    (LB_POLICE, 2023, 10, "lingbao-police-2023.txt", CHAT, False),
    (WEIHUI, 2022, 11, "weihui-ind-2022.txt", "library", True),
)

FIGS: dict[tuple[str, int], dict[str, float | None]] = {}
FILES: dict[tuple[str, int], str] = {}
for (_agency, _year), _file in SAMPLE_FILES.items():
    FIGS[(_agency, _year)] = json.loads((SAMPLES / _file.rsplit(".", 1)[0]).with_suffix(".expected.json")
                                        .read_text("utf-8"))["figures"]
    FILES[(_agency, _year)] = _file
for _agency, _year, _seed, _file, _ws, _fails in GENERATED:
    FIGS[(_agency, _year)] = dict(make_figures(_seed))  # the superseded draft is overwritten: never asked
    FILES[(_agency, _year)] = _file


def val(agency: str, year: int, keys: list[str], fallback: list[str] | None = None) -> int | float | None:
    """What a report says for keys added up (fallback when every key is blank)."""
    f = FIGS[(agency, year)]
    got = [f.get(k) for k in keys if f.get(k) is not None]
    if got:
        s = sum(got)
    else:
        fb = [f.get(k) for k in (fallback or []) if f.get(k) is not None]
        if not fb:
            return None
        s = sum(fb)
    return int(s) if float(s).is_integer() else round(s, 4)


def s3(agency: str, year: int, *rows: str, cols: tuple[str, ...] = ()) -> int | float | None:
    if cols:
        return val(agency, year, [f"s3.{r}.{c}" for r in rows for c in cols])
    return val(agency, year, [f"s3.{r}.total" for r in rows],
               [f"s3.{r}.{c}" for r in rows for c in rm.S3_APPLICANT_COLUMNS])


def library_current() -> list[tuple[str, int]]:
    """The (agency, year) of every current report the shared library answers from."""
    return [k for k in FIGS if k != (LB_POLICE, 2023)]


async def build(session) -> dict[str, int]:
    """Save everything; returns the workspace ids by name."""
    for (agency, year), file in SAMPLE_FILES.items():
        report = check((SAMPLES / file).read_bytes(), file)
        assert (report.agency, report.year) == (agency, year)
        await repo.save_report(session, report, file_name=file)
    for agency, year, seed, file, ws, fails in GENERATED:
        findings = [balance_error("total", 1, 2)] if fails else []
        report = make_report(agency, year, dict(make_figures(seed)), tag=str(seed), findings=findings, file=file)
        await repo.save_report(session, report, workspace=ws, file_name=file)
    ids = {}
    for name in ("library", CHAT):
        ids[name] = (await repo.get_or_create_workspace(session, name)).id
    await session.commit()
    return ids


# ---------------------------------------------------------------------------- the database



async def _build_at(url: str) -> dict[str, int]:
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await build(session)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(url, workspace ids) of a database holding the reports above, built once per backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('questions') / 'nianbao.db'}"
        yield url, asyncio.run(_build_at(url))
        return
    base = request.getfixturevalue("pg_base_url")
    schema = f"nianbao_q_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(base, f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"search_path": schema}).render_as_string(hide_password=False)
    try:
        yield url, asyncio.run(_build_at(url))
    finally:
        asyncio.run(_pg_exec(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def ask(store, text: str, workspaces: list[str] | None = None, lang: str | None = None) -> Answer:
    url, ids = store
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            ws = None if workspaces is None else [ids[w] for w in workspaces]
            return await answer(session, text, workspaces=ws, today=TODAY, lang=lang)
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------- questions with one number
# (question, agency, year, value): the answer must name that agency and year, give that value and
# cite that report's file.

N = "new"
HA24 = (HUAIAN, 2024)
VALUE_CASES: list[tuple[str, str, int, int | float | None]] = [
    # the samples, Chinese
    ("灵宝市工信局2023年收到多少申请", LINGBAO, 2023, 0),
    ("灵宝 工业和信息化科技局 2023年新收申请", LINGBAO, 2023, 0),
    ("灵宝市工业和信息化科技局2023年新收政府信息公开申请数量", LINGBAO, 2023, 0),
    ("新乡工信2023年收到几件申请", XINXIANG, 2023, 0),
    ("新乡市工业和信息化局2023年制发了多少规范性文件", XINXIANG, 2023, 5),
    ("新乡工信局23年行政处罚多少件", XINXIANG, 2023, 21),
    ("新乡工信 2023 现行有效规范性文件", XINXIANG, 2023, 5),
    ("淮安市政府2024年收到多少申请", HUAIAN, 2024, 3119),
    ("淮安市人民政府 2024 年予以公开多少件", HUAIAN, 2024, 1362),
    ("淮安市政府2024年部分公开", HUAIAN, 2024, 454),
    ("淮安政府2024年不予公开多少", HUAIAN, 2024, 178),
    ("淮安市政府2024年无法提供的有几件", HUAIAN, 2024, 781),
    ("淮安市政府2024年不予处理多少件", HUAIAN, 2024, 88),
    ("淮安市政府2024年其他处理", HUAIAN, 2024, 187),
    ("淮安市政府2024年办结多少件", HUAIAN, 2024, 3050),
    ("淮安市政府2024年结转下年度继续办理多少", HUAIAN, 2024, 103),
    ("淮安市政府2024年上年结转的申请", HUAIAN, 2024, 34),
    ("淮安市政府2024年行政复议多少件", HUAIAN, 2024, 351),
    ("淮安市政府2024年行政诉讼", HUAIAN, 2024, 46),
    ("淮安市政府2024年行政复议被纠正多少", HUAIAN, 2024, 64),
    ("淮安市政府2024年纠正了几件", HUAIAN, 2024, 69),
    ("淮安市政府2024年行政许可", HUAIAN, 2024, 447228),
    ("淮安市政府2024年行政处罚决定多少", HUAIAN, 2024, 3985758),
    ("淮安市政府2024年行政强制", HUAIAN, 2024, 88283),
    ("淮安市政府2024年收费多少", HUAIAN, 2024, 96171.6),
    ("淮安市政府2024年制发规章", HUAIAN, 2024, 1),
    ("淮安市政府2024年现行有效规章", HUAIAN, 2024, 11),
    ("淮安市政府2024年废止了多少规范性文件", HUAIAN, 2024, 26),
    ("淮安市政府2024年自然人申请", HUAIAN, 2024, 3001),
    ("淮安市政府2024年企业申请多少", HUAIAN, 2024, 53),
    ("淮安市政府2024年法人或其他组织申请", HUAIAN, 2024, 118),
    ("淮安市政府2024年律师申请了多少", HUAIAN, 2024, 61),
    ("淮安市政府2024年属于国家秘密的", HUAIAN, 2024, 2),
    ("淮安市政府2024年信访举报投诉类申请", HUAIAN, 2024, 62),
    ("淮安市政府2024年本机关不掌握相关信息", HUAIAN, 2024, 769),
    ("淮安市政府2024年复议后起诉", HUAIAN, 2024, 20),
    ("淮安市政府2024年直接起诉的行政诉讼", HUAIAN, 2024, 26),
    ("淮安市政府2024年行政复议尚未审结", HUAIAN, 2024, 37),
    ("淮安市政府2024年自然人予以公开", HUAIAN, 2024, 1288),
    # colloquial: short names, no year (latest), relative years, numerals, typos
    ("淮安2024年收到多少申请", HUAIAN, 2024, 3119),
    ("二〇二四年淮安市政府新收申请", HUAIAN, 2024, 3119),
    ("24年淮安市政府收到申请", HUAIAN, 2024, 3119),
    ("去年淮安市政府收到多少申请", HUAIAN, 2024, 3119),
    ("淮安市政府收到多少申请", HUAIAN, 2024, 3119),
    ("淮安市政府去年行政复议", HUAIAN, 2024, 351),
    ("淮安市政府前年收到多少申请", HUAIAN, 2023, s3(HUAIAN, 2023, N)),
    ("新乡市工业和信息化据2022年收到申请", XINXIANG, 2022, s3(XINXIANG, 2022, N)),
    ("新乡工信22年予以公开", XINXIANG, 2022, s3(XINXIANG, 2022, "granted")),
    ("灵宝工信22年收了多少申请", LINGBAO, 2022, s3(LINGBAO, 2022, N)),
    ("灵宝工信局二〇二二年不予公开", LINGBAO, 2022, s3(LINGBAO, 2022, *(f"denied.{r}" for r in rm.DENIED))),
    ("新乡市政府2023年收到多少申请", XX_GOV, 2023, s3(XX_GOV, 2023, N)),
    ("新乡政府2022年办结多少", XX_GOV, 2022, s3(XX_GOV, 2022, "results_total")),
    ("新乡市2023年收到多少申请", XX_GOV, 2023, s3(XX_GOV, 2023, N)),
    ("灵宝市场监管局2023年收到多少申请", LB_MARKET, 2023, s3(LB_MARKET, 2023, N)),
    ("灵宝市监局23年行政处罚", LB_MARKET, 2023, FIGS[(LB_MARKET, 2023)]["s2.punishment"]),
    ("卫辉工信2023年予以公开多少", WEIHUI, 2023, s3(WEIHUI, 2023, "granted")),
    ("卫辉市工信局收到多少申请", WEIHUI, 2023, s3(WEIHUI, 2023, N)),
    ("淮安工信局2024年收到多少申请", HA_IND, 2024, s3(HA_IND, 2024, N)),
    ("淮安工信去年收费多少", HA_IND, 2024, FIGS[(HA_IND, 2024)]["s2.fees"]),
    ("淮阴区教育局2024年收到多少申请", HA_EDU, 2024, s3(HA_EDU, 2024, N)),
    ("淮阴教育局去年部分公开", HA_EDU, 2024, s3(HA_EDU, 2024, "partial")),
    ("淮安市政府2023年企业申请", HUAIAN, 2023, s3(HUAIAN, 2023, N, cols=("business",))),
    ("新乡政府2023年结转", XX_GOV, 2023, s3(XX_GOV, 2023, "carried_out")),
    # English
    ("How many applications did Huai'an government receive in 2024?", HUAIAN, 2024, 3119),
    ("Huaian people's government new applications 2024", HUAIAN, 2024, 3119),
    ("Huai'an government: applications granted in 2024", HUAIAN, 2024, 1362),
    ("Huaian government partly granted 2024", HUAIAN, 2024, 454),
    ("How many applications were denied by the Huaian government in 2024?", HUAIAN, 2024, 178),
    ("Huaian govt applications that could not be provided in 2024", HUAIAN, 2024, 781),
    ("Huaian government applications not handled 2024", HUAIAN, 2024, 88),
    ("Huaian government other handling 2024", HUAIAN, 2024, 187),
    ("How many applications did Huaian government handle in 2024?", HUAIAN, 2024, 3050),
    ("Huaian government applications carried over to next year 2024", HUAIAN, 2024, 103),
    ("Huaian government applications carried over from last year in 2024", HUAIAN, 2024, 34),
    ("How many administrative reviews did Huaian government have in 2024?", HUAIAN, 2024, 351),
    ("Huaian government lawsuits 2024", HUAIAN, 2024, 46),
    ("Huaian government administrative reviews corrected in 2024", HUAIAN, 2024, 64),
    ("Huaian government licensing decisions 2024", HUAIAN, 2024, 447228),
    ("Huaian government penalties in 2024", HUAIAN, 2024, 3985758),
    ("Huaian government coercive measures 2024", HUAIAN, 2024, 88283),
    ("What fees did the Huaian government collect in 2024?", HUAIAN, 2024, 96171.6),
    ("Huaian government rules in force 2024", HUAIAN, 2024, 11),
    ("Huaian government normative documents repealed 2024", HUAIAN, 2024, 26),
    ("Huaian government applications from natural persons in 2024", HUAIAN, 2024, 3001),
    ("Huai'an government: applications from businesses in 2024", HUAIAN, 2024, 53),
    ("Huaian government applications from legal persons and other organisations 2024", HUAIAN, 2024, 118),
    ("Huaian government applications from law firms 2024", HUAIAN, 2024, 61),
    ("Huaian government lawsuits after review 2024", HUAIAN, 2024, 20),
    ("Huaian government pending administrative reviews 2024", HUAIAN, 2024, 37),
    ("How many applications did Huaian government receive last year?", HUAIAN, 2024, 3119),
    ("Huaian government new applications", HUAIAN, 2024, 3119),
    ("How many applications did Huaian government receive in 2023?", HUAIAN, 2023, s3(HUAIAN, 2023, N)),
    ("How many applications did the Lingbao industry bureau receive in 2023?", LINGBAO, 2023, 0),
    ("Lingbao industry and information technology bureau new applications 2023", LINGBAO, 2023, 0),
    ("Xinxiang industry bureau applications received in 2023", XINXIANG, 2023, 0),
    ("Xinxiang industry bureau normative documents issued in 2023", XINXIANG, 2023, 5),
    ("Xinxiang industry bureau penalties 2023", XINXIANG, 2023, 21),
    ("Xinxiang industry bureau applications granted in 2022", XINXIANG, 2022, s3(XINXIANG, 2022, "granted")),
    ("Xinxiang government applications received in 2023", XX_GOV, 2023, s3(XX_GOV, 2023, N)),
    ("Xinxiang city government applications handled 2022", XX_GOV, 2022, s3(XX_GOV, 2022, "results_total")),
    ("Lingbao market regulation bureau applications received 2023", LB_MARKET, 2023, s3(LB_MARKET, 2023, N)),
    ("Weihui industry bureau applications granted in 2023", WEIHUI, 2023, s3(WEIHUI, 2023, "granted")),
    ("Huaian industry bureau new applications 2024", HA_IND, 2024, s3(HA_IND, 2024, N)),
    ("Huaiyin education bureau applications received in 2024", HA_EDU, 2024, s3(HA_EDU, 2024, N)),
    ("Huaiyin education bureau: applications partly granted last year", HA_EDU, 2024, s3(HA_EDU, 2024, "partial")),
    ("Xinxiang govt applications from individuals in 2023", XX_GOV, 2023, s3(XX_GOV, 2023, N, cols=("person",))),
    ("Huaian government 2023 lawsuits", HUAIAN, 2023,
     val(HUAIAN, 2023, ["s4.suit_direct.total", "s4.suit_after_review.total"])),
    ("huaian government received how many applications in 2024", HUAIAN, 2024, 3119),
]


@pytest.mark.parametrize(("question", "agency", "year", "value"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
async def test_value(store, question: str, agency: str, year: int, value) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "value"
    assert a.value == value
    assert a.rows == [{"agency": agency, "year": year, "value": value}]
    assert [(s["agency"], s["year"], s["file"]) for s in a.sources] == [(agency, year, FILES[(agency, year)])]
    assert agency in say(a) and str(year) in say(a) and FILES[(agency, year)] in say(a)
    assert str(value) in say(a)


async def test_exact_wording(store) -> None:
    a = await ask(store, "灵宝市工信局2023年收到多少申请")
    assert say(a) == "灵宝市工业和信息化科技局 2023 年新收政府信息公开申请 0 件（来源：lingbao-2023.txt）"
    a = await ask(store, "How many applications did the Lingbao industry bureau receive in 2023?")
    assert say(a) == ("灵宝市工业和信息化科技局, 2023: new applications for government information: 0 "
                      "(source: lingbao-2023.txt)")
    a = await ask(store, "淮安市政府2024年收费多少")
    assert say(a) == "淮安市人民政府 2024 年行政事业性收费金额 96171.6 万元（来源：huaian-2024.pdf）"
    a = await ask(store, "淮安市政府2024年收到多少申请", lang="en")  # the chat's language wins
    assert say(a).startswith("淮安市人民政府, 2024: new applications for government information: 3119")


async def test_superseded_report_is_never_used(store) -> None:
    a = await ask(store, "淮安工信局2024年予以公开多少")
    assert a.value == s3(HA_IND, 2024, "granted")
    assert a.value != dict(make_figures(70))["s3.granted.total"]
    assert [s["file"] for s in a.sources] == ["huaian-ind-2024.txt"]


async def test_private_draft_only_in_its_workspace(store) -> None:
    a = await ask(store, "灵宝市公安局2023年收到多少申请")
    assert a.value is None and a.query["agency_status"] == "unknown"
    assert say(a).startswith("库里没有“灵宝市公安局”的年报。")
    a = await ask(store, "灵宝市公安局2023年收到多少申请", workspaces=[CHAT])
    assert a.value == s3(LB_POLICE, 2023, N)
    assert a.sources[0]["file"] == "lingbao-police-2023.txt"
    a = await ask(store, "淮安市政府2024年收到多少申请", workspaces=[CHAT])  # a chat alone sees its own
    assert a.value is None
    a = await ask(store, "淮安市政府2024年收到多少申请", workspaces=[CHAT, "library"])
    assert a.value == 3119


# ---------------------------------------------------------------------------- shares and comparisons

SHARE_CASES = [
    ("淮安市政府2024年予以公开占比", HUAIAN, 2024, round(1362 / 3050 * 100, 2)),
    ("淮安市政府2024年自然人申请占比", HUAIAN, 2024, round(3001 / 3119 * 100, 2)),
    ("淮安市政府2024年行政复议纠正率", HUAIAN, 2024, round(64 / 351 * 100, 2)),
    ("What share of applications did Huaian government grant in 2024?", HUAIAN, 2024, round(1362 / 3050 * 100, 2)),
    ("Huaian government: percentage of applications from businesses 2024", HUAIAN, 2024, round(53 / 3119 * 100, 2)),
    ("新乡政府2023年不予公开的比例", XX_GOV, 2023,
     round(s3(XX_GOV, 2023, *(f"denied.{r}" for r in rm.DENIED)) / s3(XX_GOV, 2023, "results_total") * 100, 2)),
]


@pytest.mark.parametrize(("question", "agency", "year", "value"), SHARE_CASES, ids=[c[0] for c in SHARE_CASES])
async def test_share(store, question: str, agency: str, year: int, value: float) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "share"
    assert a.value == value
    assert a.rows == [{"agency": agency, "year": year, "value": value}]
    assert f"{value}%" in say(a) and FILES[(agency, year)] in say(a)


async def test_share_of_nothing_is_no_number(store) -> None:
    a = await ask(store, "灵宝市工信局2023年予以公开占比")
    assert a.value is None
    assert "无法计算占比" in say(a)


COMPARE_CASES = [
    ("新乡工信比去年多了多少申请", XINXIANG, 2022, 2023, N),
    ("新乡市人民政府2023年比2022年多收了多少申请", XX_GOV, 2022, 2023, N),
    ("新乡市政府2022年和2023年予以公开相比", XX_GOV, 2022, 2023, "granted"),
    ("灵宝工信2023年比去年少了多少申请", LINGBAO, 2022, 2023, N),
    ("淮安市政府收到的申请同比变化", HUAIAN, 2023, 2024, N),
    ("How did Xinxiang government's new applications change from 2022 to 2023?", XX_GOV, 2022, 2023, N),
    ("Huaian government applications received compared with last year", HUAIAN, 2023, 2024, N),
    ("Lingbao industry bureau applications granted 2023 vs 2022", LINGBAO, 2022, 2023, "granted"),
]


@pytest.mark.parametrize(("question", "agency", "early", "late", "row"), COMPARE_CASES,
                         ids=[c[0] for c in COMPARE_CASES])
async def test_compare(store, question: str, agency: str, early: int, late: int, row: str) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "compare"
    va, vb = s3(agency, early, row), s3(agency, late, row)
    assert a.value == vb - va
    assert a.rows == [{"agency": agency, "year": early, "value": va}, {"agency": agency, "year": late, "value": vb}]
    assert sorted(s["file"] for s in a.sources) == sorted([FILES[(agency, early)], FILES[(agency, late)]])


async def test_compare_missing_year_says_so(store) -> None:
    a = await ask(store, "淮阴区教育局2024年比去年多了多少申请")
    assert a.value is None
    assert say(a) == "库里没有淮安市淮阴区教育局 2023 年的年报（已有年份：2024）。"


# ---------------------------------------------------------------------------- many reports

def total(year: int, row: str = N, agencies: tuple[str, ...] | None = None) -> int:
    return sum(s3(a, y, row) or 0 for a, y in library_current() if y == year and (agencies is None or a in agencies))


SUM_CASES = [
    ("2023年全部单位共收到多少申请", 2023, N, None),
    ("2023年所有单位一共收到多少申请", 2023, N, None),
    ("新乡市全部单位2023年共收到多少申请", 2023, N, (XINXIANG, XX_GOV)),
    ("2024年所有单位予以公开合计", 2024, "granted", None),
    ("淮安市2024年各单位一共收到多少申请", 2024, N, (HUAIAN, HA_IND, HA_EDU)),
    ("2022年全部单位合计办结多少", 2022, "results_total", None),
    ("Total applications received by all agencies in 2023", 2023, N, None),
    ("How many applications were granted across all agencies in 2024?", 2024, "granted", None),
    ("All Xinxiang agencies: total new applications in 2022", 2022, N, (XINXIANG, XX_GOV)),
    ("收到多少申请", 2024, N, None),  # no agency, no year: every agency, the latest year
]


@pytest.mark.parametrize(("question", "year", "row", "agencies"), SUM_CASES, ids=[c[0] for c in SUM_CASES])
async def test_sum(store, question: str, year: int, row: str, agencies) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "sum"
    assert a.value == total(year, row, agencies)
    used = sorted((s["agency"], s["year"]) for s in a.sources)
    assert used == sorted((ag, y) for ag, y in library_current()
                          if y == year and (agencies is None or ag in agencies))
    assert str(year) in say(a) and str(a.value) in say(a)


def ranking(year: int, row: str = N) -> list[tuple[str, int]]:
    vals = [(a, s3(a, y, row)) for a, y in library_current() if y == year]
    return sorted(vals, key=lambda t: (-t[1], t[0]))


TOP_CASES = [
    ("2023年哪些单位收到的申请最多", 2023, N, 5, "desc"),
    ("2023年收到申请最多的前三名", 2023, N, 3, "desc"),
    ("2024年哪个单位予以公开最多", 2024, "granted", 1, "desc"),
    ("2023年收到申请最少的单位", 2023, N, 5, "asc"),
    ("前五名", 2024, N, 5, "desc"),
    ("Top 3 agencies by applications granted in 2023", 2023, "granted", 3, "desc"),
    ("Which agencies received the most applications in 2022?", 2022, N, 5, "desc"),
    ("Which agency handled the most applications in 2024?", 2024, "results_total", 1, "desc"),
    ("Top five agencies by new applications", 2024, N, 5, "desc"),
]


@pytest.mark.parametrize(("question", "year", "row", "n", "order"), TOP_CASES, ids=[c[0] for c in TOP_CASES])
async def test_top(store, question: str, year: int, row: str, n: int, order: str) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "top"
    ranked = ranking(year, row)
    if order == "asc":
        ranked = sorted(ranked, key=lambda t: (t[1], t[0]))
    assert a.rows == [{"agency": ag, "year": year, "value": v} for ag, v in ranked[:n]]
    assert a.value == (ranked[0][1] if n == 1 else None)


COUNT_CASES = [
    ("库里有几份2023年的报告", sum(1 for _, y in library_current() if y == 2023)),
    ("库里一共有多少份年报", len(library_current())),
    ("2024年有几个单位的年报", len({a for a, y in library_current() if y == 2024})),
    ("How many reports are stored for 2023?", sum(1 for _, y in library_current() if y == 2023)),
    ("How many agencies have reports?", len({a for a, _ in library_current()})),
    ("淮安有几份年报", sum(1 for a, _ in library_current() if a.startswith("淮安"))),
]


@pytest.mark.parametrize(("question", "n"), COUNT_CASES, ids=[c[0] for c in COUNT_CASES])
async def test_count(store, question: str, n: int) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "count"
    assert a.value == n
    assert str(n) in say(a)


async def test_list_failing_reports(store) -> None:
    for question in ("哪些报告没通过校验", "Which reports failed the check?", "列出没通过的年报"):
        a = await ask(store, question)
        assert a.query["kind"] == "list_reports"
        assert [(r["agency"], r["year"], r["verdict"]) for r in a.rows] == [(WEIHUI, 2022, "fail")]
        assert a.value == 1
        assert "weihui-ind-2022.txt" in say(a)


async def test_list_agencies(store) -> None:
    a = await ask(store, "有哪些单位的年报")
    assert a.query["kind"] == "list_agencies"
    expected = sorted({ag for ag, _ in library_current()})
    assert sorted({r["agency"] for r in a.rows}) == expected
    assert a.value == len(expected)
    a = await ask(store, "Which agencies have reports for 2024?")
    assert sorted(r["agency"] for r in a.rows) == sorted({ag for ag, y in library_current() if y == 2024})


# ---------------------------------------------------------------------------- not a plain answer

AMBIGUOUS_CASES = [
    ("工信局2023年收到多少申请", [LINGBAO, XINXIANG, WEIHUI, HA_IND]),
    ("How many applications did Lingbao's bureau receive last year?", [LINGBAO, LB_MARKET]),
    ("灵宝的局2023年予以公开多少", [LINGBAO, LB_MARKET]),
    ("industry bureau new applications 2023", [LINGBAO, XINXIANG, WEIHUI, HA_IND]),
]


@pytest.mark.parametrize(("question", "candidates"), AMBIGUOUS_CASES, ids=[c[0] for c in AMBIGUOUS_CASES])
async def test_ambiguous_agency_asks_which(store, question: str, candidates: list[str]) -> None:
    a = await ask(store, question)
    assert a.value is None
    assert a.query["agency_status"] == "ambiguous"
    assert sorted(r["agency"] for r in a.rows) == sorted(candidates)
    for c in candidates:
        assert c in say(a)


UNKNOWN_CASES = [
    ("淮按市政府2024年收到多少申请", "淮按市政府", HUAIAN),  # a typo in a place: suggested, not guessed
    ("灵保市工信局2023年收到多少申请", "灵保市工信局", LINGBAO),
    ("郑州市工信局2023年收到多少申请", "郑州市工信局", XINXIANG),
    ("Zhengzhou industry bureau new applications 2023", "Zhengzhou", XINXIANG),
    ("淮安市公安局2024年收到多少申请", "淮安市公安局", HA_IND),
    ("北京市海淀区人民政府收到多少申请", "北京市海淀区人民政府", HUAIAN),
]


@pytest.mark.parametrize(("question", "mention", "suggested"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
async def test_unknown_agency_suggests(store, question: str, mention: str, suggested: str) -> None:
    a = await ask(store, question)
    assert a.value is None
    assert a.query["agency_status"] == "unknown"
    assert a.query["agency_mention"] == mention
    assert suggested in a.query["suggestions"]
    assert mention in say(a) and suggested in say(a)


HELP_CASES = [
    ("今天天气怎么样", "zh"),
    ("What's the weather like?", "en"),
    ("帮助", "zh"),
    ("help", "en"),
    ("淮安市政府2024年收了多少信息处理费", "zh"),
    ("", "en"),
]


@pytest.mark.parametrize(("question", "lang"), HELP_CASES, ids=[c[0] or "empty" for c in HELP_CASES])
async def test_not_understood_gives_help(store, question: str, lang: str) -> None:
    a = await ask(store, question)
    assert a.query["kind"] == "help"
    assert a.value is None and a.rows == [] and a.sources == []
    assert EXAMPLES[lang][0] in say(a)


async def test_year_not_stored_says_so(store) -> None:
    a = await ask(store, "淮安市政府2019年收到多少申请")
    assert a.value is None
    assert say(a) == "库里没有淮安市人民政府 2019 年的年报（已有年份：2023、2024）。"
    a = await ask(store, "Huaian government new applications in 2019")
    assert say(a) == "No 2019 report of 淮安市人民政府 is stored (years stored: 2023, 2024)."


# ---------------------------------------------------------------------------- the command line


def test_ask_main_json(store, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = store
    assert ask_main(["淮安市政府2024年收到多少申请", "--json", "--database-url", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == 3119
    assert out["answer"] == "淮安市人民政府 2024 年新收政府信息公开申请 3119 件（来源：huaian-2024.pdf）"
    assert out["rows"] == [{"agency": HUAIAN, "year": 2024, "value": 3119}]
    assert out["sources"][0]["file"] == "huaian-2024.pdf"
    assert out["query"]["metric"] == ["s3.new.total"]
    assert ask_main(["灵宝市公安局2023年收到多少申请", "--workspace", CHAT, "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == (
        f"灵宝市公安局 2023 年新收政府信息公开申请 {s3(LB_POLICE, 2023, N)} 件（来源：lingbao-police-2023.txt）")
    assert ask_main(["x", "--workspace", "chat:999", "--database-url", url]) == 2


async def test_the_driver_reader_answers_as_a_session_does(store) -> None:
    """`nianbao ask` reads a migrated store through its driver alone (storage.reader.DriverReader,
    no SQLAlchemy): every answer is the one a session gives, value, rows, sources, facts and query."""
    url, ids = store
    texts = [c[0] for cases in (VALUE_CASES, SHARE_CASES, COMPARE_CASES, SUM_CASES, TOP_CASES, COUNT_CASES,
                                AMBIGUOUS_CASES, UNKNOWN_CASES, HELP_CASES) for c in cases]
    texts += ["有哪些单位的年报？", "2023年哪些报告没通过校验", "新乡和灵宝2023年申请数比较", "哪些单位还没有交2024年的年报"]
    driver = await DriverReader.open(url)
    assert driver is not None and driver.dialect == ("sqlite" if url.startswith("sqlite") else "postgresql")
    try:
        for ws in (None, ["library", CHAT]):
            wids = None if ws is None else [ids[w] for w in ws]
            for text in texts:
                assert await answer(driver, text, workspaces=wids, today=TODAY) == await ask(store, text, ws), text
    finally:
        await driver.close()


def test_ask_loads_no_sqlalchemy(store) -> None:
    """The whole `nianbao ask` process on a migrated store: the answer, and no SQLAlchemy, sqlmodel or
    pydantic imported (they cost a fresh process ~0.4 s; the target is 0.3 s in all)."""
    url, _ = store
    code = ("import sys, runpy\n"
            "sys.argv = ['nianbao', 'ask', '淮安市政府2024年收到多少申请', '--database-url', sys.argv[1]]\n"
            "from bot.commands import main\n"
            "status = main()\n"
            "print([m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic')])\n"
            "sys.exit(status)")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["淮安市人民政府 2024 年新收政府信息公开申请 3119 件（来源：huaian-2024.pdf）", "[]"]


async def test_ask_on_a_missing_or_older_store_opens_it_as_usual(tmp_path: Path) -> None:
    """No database yet, or one not at the newest migration: the driver reader declines and the usual
    path creates or upgrades the store (and answers that nothing is stored: no such agency, no year)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    assert await DriverReader.open(url) is None
    assert (await answer_stored(url, "淮安市政府2024年收到多少申请")).kind == "unknown"
    older = f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
    await upgrade(older, "0004")
    assert await DriverReader.open(older) is None
    assert (await answer_stored(older, "2024年全部单位共收到多少申请")).kind == "sum_none"
    for migrated in (url, older):
        driver = await DriverReader.open(migrated)
        assert driver is not None
        await driver.close()


# ---------------------------------------------------------------------------- the cache follows the store


async def test_cached_answers_follow_saves_publishing_and_deletes(session) -> None:
    first = make_report(XINXIANG, 2023, {"s3.new.total": 5, "s3.new.person": 5}, file="a.txt")
    second = make_report(LINGBAO, 2023, {"s3.new.total": 7, "s3.new.person": 7}, file="b.txt")
    await repo.save_report(session, first)
    total_q = "2023年全部单位共收到多少申请"
    assert (await answer(session, total_q, today=TODAY)).value == 5
    saved = await repo.save_report(session, second)
    assert (await answer(session, total_q, today=TODAY)).value == 12
    await repo.set_published(session, saved.report_id, False)  # withdrawn from the shared library
    lib = (await repo.get_or_create_workspace(session, "library")).id
    await session.commit()
    assert (await answer(session, total_q, today=TODAY)).value == 12  # still in the library's own workspace
    draft = make_report(LINGBAO, 2022, {"s3.new.total": 3}, file="c.txt")
    other = await repo.save_report(session, draft, workspace=CHAT)
    assert (await answer(session, "2022年全部单位共收到多少申请", today=TODAY)).value is None
    await repo.set_published(session, other.report_id, True)
    assert (await answer(session, "2022年全部单位共收到多少申请", today=TODAY)).value == 3
    assert (await answer(session, total_q, workspaces=[lib], today=TODAY)).value == 12
    assert await repo.delete_report(session, saved.report_id)
    assert (await answer(session, total_q, today=TODAY)).value == 5
    corrected = make_report(XINXIANG, 2023, {"s3.new.total": 9, "s3.new.person": 9}, file="a2.txt")
    assert (await repo.save_report(session, corrected)).status == "superseded"
    a = await answer(session, total_q, today=TODAY)
    assert a.value == 9
    assert [s["file"] for s in a.sources] == ["a2.txt"]


async def test_answers_follow_another_process(session, db_url: str) -> None:
    """A second process's publishing, withdrawing and saving (plain SQL on its own engine, so no
    change events in this one) shows in the very next answer, values and sums alike."""
    from sqlalchemy import text

    first = make_report(XINXIANG, 2023, {"s3.new.total": 5, "s3.new.person": 5}, file="a.txt")
    draft = make_report(LINGBAO, 2023, {"s3.new.total": 7, "s3.new.person": 7}, file="b.txt")
    await repo.save_report(session, first)
    saved = await repo.save_report(session, draft, workspace=CHAT)
    await session.commit()
    value_q, total_q = "灵宝市工业和信息化科技局2023年收到多少申请", "2023年全部单位共收到多少申请"
    assert (await answer(session, value_q, today=TODAY)).value is None  # a draft of another chat
    assert (await answer(session, total_q, today=TODAY)).value == 5
    other = make_engine(db_url)
    try:
        async def elsewhere(sql: str) -> None:
            async with other.begin() as conn:
                await conn.execute(text(sql), {"id": saved.report_id})

        await elsewhere("UPDATE reports SET published = true WHERE id = :id")
        assert (await answer(session, value_q, today=TODAY)).value == 7
        assert (await answer(session, total_q, today=TODAY)).value == 12
        await elsewhere("UPDATE reports SET published = false WHERE id = :id")
        assert (await answer(session, value_q, today=TODAY)).value is None
        assert (await answer(session, total_q, today=TODAY)).value == 5
        await elsewhere("UPDATE figures SET value = 9 WHERE report_id = :id AND key = 's3.new.total'")
        await elsewhere("UPDATE reports SET published = true WHERE id = :id")
        assert (await answer(session, value_q, today=TODAY)).value == 9
        assert (await answer(session, total_q, today=TODAY)).value == 14
    finally:
        await other.dispose()
