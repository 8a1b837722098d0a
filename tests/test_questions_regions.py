"""Short names agencies really go by, places (a region's own government, or every agency of it),
comparisons between agencies and against a named year, the roster of missing reports, the answer's
language: over a store of reports made from tests/docgen.py figures (known exactly)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import make_url

from handlers.answers_text import render_answer as say
from reports import model as rm
from storage import repo
from storage.answers import Answer, answer, answered
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.conftest_db import _pg_exec, make_report
from tests.docgen import make_figures

TODAY = dt.date(2026, 3, 1)
PT_GOV, PT_FIN, PT_CX, PT_NDRC, PT_OFFICE = ("莆田市人民政府", "莆田市财政局", "莆田市城厢区人民政府",
                                            "莆田市发展和改革委员会", "莆田市人民政府办公室")
SH_STC = "上海市科学技术委员会"
SMX = {k: f"三门峡市{v}" for k, v in {
    "culture": "文化广电和旅游局", "urban": "城市管理局", "emergency": "应急管理局", "housing": "住房和城乡建设局",
    "hr": "人力资源和社会保障局", "market": "市场监督管理局", "industry": "工业和信息化局"}.items()}
SY_GOV, SY_NDRC = "沭阳县人民政府", "沭阳县发展和改革局"

# (agency, year, seed)
REPORTS: tuple[tuple[str, int, int], ...] = (
    (PT_GOV, 2019, 101), (PT_GOV, 2020, 102), (PT_FIN, 2019, 103), (PT_CX, 2019, 104), (PT_NDRC, 2019, 105),
    (PT_NDRC, 2020, 106), (PT_OFFICE, 2020, 107), (SH_STC, 2024, 108),
    *((name, 2023, 110 + i) for i, name in enumerate(SMX.values())),
    (SY_GOV, 2024, 120), (SY_GOV, 2025, 121), (SY_NDRC, 2023, 122), (SY_NDRC, 2025, 123),
)
FIGS = {(a, y): dict(make_figures(seed)) for a, y, seed in REPORTS}
NEW = "s3.new.total"


def v(agency: str, year: int, *keys: str) -> int | float:
    total = sum(FIGS[(agency, year)][k] or 0 for k in keys)
    return int(total) if float(total).is_integer() else round(total, 4)


async def _build(url: str) -> None:
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            for agency, year, seed in REPORTS:
                report = make_report(agency, year, FIGS[(agency, year)], tag=str(seed), file=f"r{seed}.txt")
                await repo.save_report(session, report, file_name=f"r{seed}.txt")
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def regions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('regions') / 'nianbao.db'}"
        asyncio.run(_build(url))
        yield url
        return
    base = request.getfixturevalue("pg_base_url")
    schema = f"nianbao_r_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(base, f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"search_path": schema}).render_as_string(hide_password=False)
    try:
        asyncio.run(_build(url))
        yield url
    finally:
        asyncio.run(_pg_exec(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def ask(url: str, text: str) -> Answer:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await answer(session, text, today=TODAY)
    finally:
        await engine.dispose()


D = tuple(f"s3.denied.{r}.total" for r in rm.DENIED)
VALUES: list[tuple[str, str, int, tuple[str, ...]]] = [
    # short names
    ("上海科委2024年收到多少申请", SH_STC, 2024, (NEW,)),
    ("上海市科委2024年予以公开多少件", SH_STC, 2024, ("s3.granted.total",)),
    ("莆田发改委2019年收到多少申请", PT_NDRC, 2019, (NEW,)),
    ("莆田市发改委2020年行政复议多少件", PT_NDRC, 2020, ("s4.review.total",)),
    ("沭阳发改局2023年予以公开多少", SY_NDRC, 2023, ("s3.granted.total",)),
    ("沭阳县发改局2025年不予公开多少", SY_NDRC, 2025, D),
    ("三门峡工信局2023年收到多少申请", SMX["industry"], 2023, (NEW,)),
    ("三门峡文旅局2023年行政复议多少件", SMX["culture"], 2023, ("s4.review.total",)),
    ("三门峡城管局2023年收到多少申请", SMX["urban"], 2023, (NEW,)),
    ("三门峡应急局2023年办结多少件", SMX["emergency"], 2023, ("s3.results_total.total",)),
    ("三门峡住建局2023年部分公开多少", SMX["housing"], 2023, ("s3.partial.total",)),
    ("三门峡人社局2023年收到多少申请", SMX["hr"], 2023, (NEW,)),
    ("三门峡市监局2023年行政处罚多少", SMX["market"], 2023, ("s2.punishment",)),
    ("莆田市府办2020年收到多少申请", PT_OFFICE, 2020, (NEW,)),
    ("莆田政府办2020年予以公开多少", PT_OFFICE, 2020, ("s3.granted.total",)),
    ("莆田财政局2019年商业企业申请予以公开多少件", PT_FIN, 2019, ("s3.granted.business",)),
    # places: the region's own government
    ("莆田2019年收到多少申请", PT_GOV, 2019, (NEW,)),
    ("莆田市2020年行政诉讼多少件", PT_GOV, 2020, ("s4.suit_direct.total", "s4.suit_after_review.total")),
    ("城厢区2019年收到多少申请", PT_CX, 2019, (NEW,)),
    ("沭阳2025年收到多少申请", SY_GOV, 2025, (NEW,)),
    ("沭阳县2024年不予处理多少件", SY_GOV, 2024, tuple(f"s3.rejected.{r}.total" for r in rm.REJECTED)),
    # English: pinyin places and English bodies
    ("How many applications did Putian receive in 2019?", PT_GOV, 2019, (NEW,)),
    ("Putian government: applications granted in 2020", PT_GOV, 2020, ("s3.granted.total",)),
    ("Putian finance bureau new applications 2019", PT_FIN, 2019, (NEW,)),
    ("Putian development and reform commission: administrative reviews in 2020", PT_NDRC, 2020, ("s4.review.total",)),
    ("Putian general office applications received in 2020", PT_OFFICE, 2020, (NEW,)),
    ("Shanghai science and technology commission new applications 2024", SH_STC, 2024, (NEW,)),
    ("Sanmenxia culture and tourism bureau administrative reviews 2023", SMX["culture"], 2023, ("s4.review.total",)),
    ("Sanmenxia urban management bureau new applications in 2023", SMX["urban"], 2023, (NEW,)),
    ("Sanmenxia emergency management bureau: applications handled in 2023", SMX["emergency"], 2023,
     ("s3.results_total.total",)),
    ("Sanmenxia housing bureau applications granted in part 2023", SMX["housing"], 2023, ("s3.partial.total",)),
    ("Sanmenxia human resources bureau new applications 2023", SMX["hr"], 2023, (NEW,)),
    ("Sanmenxia market regulation bureau penalties 2023", SMX["market"], 2023, ("s2.punishment",)),
    ("Sanmenxia industry bureau: applications from businesses granted in 2023", SMX["industry"], 2023,
     ("s3.granted.business",)),
    ("Shuyang 2025: how many new applications?", SY_GOV, 2025, (NEW,)),
    ("Shuyang development and reform bureau applications denied in 2025", SY_NDRC, 2025, D),
    ("How many applications did the Shuyang government carry over from the previous year in 2024?", SY_GOV, 2024,
     ("s3.carried_in.total",)),
    ("Chengxiang district 2019 new applications", PT_CX, 2019, (NEW,)),
]


@pytest.mark.parametrize(("question", "agency", "year", "keys"), VALUES, ids=[c[0] for c in VALUES])
async def test_short_names_and_places(regions, question: str, agency: str, year: int, keys: tuple[str, ...]) -> None:
    a = await ask(regions, question)
    assert a.kind == "value", (a.kind, a.query["agency_status"], a.query["agencies"], a.query["reason"])
    assert a.rows == [{"agency": agency, "year": year, "value": v(agency, year, *keys)}]
    assert a.lang == ("en" if question.isascii() else "zh")
    assert agency in say(a)


PT_2019 = (PT_GOV, PT_FIN, PT_CX, PT_NDRC)


@pytest.mark.parametrize("question", [
    "莆田各单位2019年一共收到多少申请",
    "莆田市全部单位2019年共收到多少申请",
    "Putian 2019: total applications received by all agencies",
    "How many applications did all Putian agencies receive in 2019 altogether?",
])
async def test_region_sum(regions, question: str) -> None:
    a = await ask(regions, question)
    assert a.kind == "sum" and a.facts == {"year": 2019, "reports": 4}
    assert a.value == sum(v(x, 2019, NEW) for x in PT_2019)
    assert sorted(s["agency"] for s in a.sources) == sorted(PT_2019)
    assert "莆田市" in say(a)


@pytest.mark.parametrize("question", ["莆田2019年哪个单位收到的申请最多", "Which Putian agency received the most applications in 2019?"])
async def test_region_top(regions, question: str) -> None:
    a = await ask(regions, question)
    best = max(PT_2019, key=lambda x: (v(x, 2019, NEW), [-ord(c) for c in x]))
    assert a.kind == "top" and a.rows[0] == {"agency": best, "year": 2019, "value": v(best, 2019, NEW)}
    assert len(a.rows) == 1


@pytest.mark.parametrize(("question", "n"), [
    ("库里有几份莆田的年报", 7), ("How many Putian reports are stored?", 7), ("库里有几份2019年的报告", 4),
    ("How many 2023 reports are stored?", 8), ("how many reports are stored for 2025", 2),
])
async def test_counts(regions, question: str, n: int) -> None:
    a = await ask(regions, question)
    assert (a.kind, a.value) == ("count", n)


@pytest.mark.parametrize("question", ["莆田有哪些单位的年报", "Which Putian agencies have reports?"])
async def test_region_list(regions, question: str) -> None:
    a = await ask(regions, question)
    assert a.kind == "list_agencies" and a.value == 5
    assert sorted({r["agency"] for r in a.rows}) == sorted((PT_GOV, PT_FIN, PT_CX, PT_NDRC, PT_OFFICE))


@pytest.mark.parametrize(("question", "mention", "first"), [
    ("沐阳2025年收到多少申请", "沐阳", SY_GOV),  # OCR's 沐阳 for 沭阳: suggested, never answered
    ("沐阳县人民政府2025年收到多少申请", "沐阳县人民政府", SY_GOV),
    ("甫田2019年收到多少申请", "甫田", PT_GOV),
    ("Shuyan 2025 new applications", "Shuyan", None),
    ("Sanming 2020: how many administrative coercion decisions?", "Sanming", None),
    ("Putian culture bureau new applications 2020", "culture", None),
    ("莆田文旅局2020年收到多少申请", "莆田文旅局", None),
])
async def test_close_names_are_suggested(regions, question: str, mention: str, first: str | None) -> None:
    a = await ask(regions, question)
    assert a.kind == "unknown" and not answered(a)
    assert a.query["agency_mention"] == mention
    if first:
        assert a.query["suggestions"][0] == first
    assert mention in say(a)


@pytest.mark.parametrize(("question", "late", "early"), [
    ("莆田发改委比2019年多收了多少申请", 2020, 2019),
    ("莆田发改委2020年比2019年多收了多少", 2020, 2019),
    ("How many more applications did the Putian development and reform commission receive than in 2019?", 2020, 2019),
    ("Putian government new applications from 2019 to 2020", 2020, 2019),
])
async def test_compare_years(regions, question: str, late: int, early: int) -> None:
    a = await ask(regions, question)
    agency = PT_NDRC if "发改" in question or "reform" in question else PT_GOV
    assert a.kind == "compare"
    assert [r["year"] for r in a.rows] == [early, late]
    assert a.value == v(agency, late, NEW) - v(agency, early, NEW)


@pytest.mark.parametrize(("question", "labels", "keys", "year"), [
    ("莆田和沭阳2019年申请数比较", [PT_GOV, SY_GOV], (NEW,), 2019),
    ("compare Putian and Shuyang", [PT_GOV, SY_GOV], (NEW,), None),
    ("莆田财政局和莆田发改委2019年予以公开对比", [PT_FIN, PT_NDRC], ("s3.granted.total",), 2019),
    ("Putian finance bureau vs Putian development and reform commission: applications granted in 2019",
     [PT_FIN, PT_NDRC], ("s3.granted.total",), 2019),
    ("上海科委和三门峡工信局收到申请比较", [SH_STC, SMX["industry"]], (NEW,), None),
])
async def test_compare_agencies(regions, question: str, labels: list[str], keys: tuple[str, ...], year) -> None:
    a = await ask(regions, question)
    assert a.kind == "compare_agencies"
    assert [r["agency"] for r in a.rows] == labels
    for r in a.rows:
        if year is not None:
            assert r["year"] == year
        expected = v(r["agency"], r["year"], *keys) if (r["agency"], r["year"]) in FIGS else None
        assert r["value"] == expected
    text = say(a)
    assert all(label in text for label in labels)


async def test_compare_a_place_without_its_government(regions) -> None:
    # 三门峡 has no people's government stored: the sum over its seven agencies, said so.
    a = await ask(regions, "compare Sanmenxia and Shanghai in 2023")
    assert a.kind == "compare_agencies"
    smx = a.rows[0]
    assert (smx["agency"], smx["whole"], smx["reports"]) == ("三门峡市", True, 7)
    assert smx["value"] == sum(v(x, 2023, NEW) for x in SMX.values())
    assert "7 reports added up" in say(a)


@pytest.mark.parametrize("question", ["哪些单位还没交2025年的年报", "which agencies have not sent their 2025 report",
                                      "哪些单位没有报送2025年年报？", "Which agencies haven't submitted a 2025 report?"])
async def test_missing_reports(regions, question: str) -> None:
    a = await ask(regions, question)
    assert a.kind == "missing_reports" and a.facts["year"] == 2025
    # roster: every agency with a report for a year before 2025; 沭阳's two sent theirs
    expected = sorted({x for x, y, _ in REPORTS if y < 2025} - {SY_GOV, SY_NDRC})
    assert [r["agency"] for r in a.rows] == expected
    assert a.value == len(expected) == 13
    assert [r["year"] for r in a.rows if r["agency"] == PT_NDRC] == [2020]


async def test_missing_reports_of_a_region(regions) -> None:
    a = await ask(regions, "莆田哪些单位还没交2020年的年报")
    assert [r["agency"] for r in a.rows] == sorted((PT_FIN, PT_CX))


@pytest.mark.parametrize(("question", "lang"), [
    ("How many applications did 莆田市人民政府 receive in 2019?", "en"),
    ("莆田市人民政府2019年收到多少申请", "zh"),
    ("Putian 2019 新收申请", "zh"),
    ("Putian government new applications 2019", "en"),
])
async def test_language_follows_the_question(regions, question: str, lang: str) -> None:
    a = await ask(regions, question)
    assert a.lang == lang and a.value == v(PT_GOV, 2019, NEW)
