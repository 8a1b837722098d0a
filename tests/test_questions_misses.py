"""The questions the issue found answered wrongly or not at all, asked of the question store
(tests/test_questions_answers.py): each gets its own figure, or a comparison, never another one."""

from __future__ import annotations

import pytest

from handlers.answers_text import render_answer as say
from reports import model as rm
from storage.answers import answered
from tests.test_questions_answers import (  # noqa: F401 (the store fixture)
    HUAIAN,
    LB_MARKET,
    LINGBAO,
    XINXIANG,
    XX_GOV,
    ask,
    s3,
    store,
)


@pytest.mark.parametrize(("question", "row"), [
    ("淮安市政府2024年因本机关不掌握相关政府信息而无法提供的有多少", "unavailable.not_held"),
    ("Huaian government 2024: applications that could not be provided because the information is not held",
     "unavailable.not_held"),
    ("How many applications did the Huaian government grant in part in 2024?", "partial"),
    ("What did the Huaian government carry over from the previous year in 2024?", "carried_in"),
    ("淮安市政府2024年商业企业申请予以公开多少件", "granted"),
])
async def test_the_row_not_its_group(store, question: str, row: str) -> None:  # noqa: F811
    a = await ask(store, question)
    cols = ("business",) if "商业企业" in question else ()
    assert (a.kind, a.value) == ("value", s3(HUAIAN, 2024, row, cols=cols))


@pytest.mark.parametrize(("question", "n"), [
    ("How many 2023 reports are stored?", 6), ("库里有几份2023年的报告", 6), ("how many 2024 reports are stored", 3),
    ("How many reports are there for 2022?", 4),
])
async def test_counts_of_stored_reports(store, question: str, n: int) -> None:  # noqa: F811
    a = await ask(store, question)
    assert (a.kind, a.value) == ("count", n)


@pytest.mark.parametrize("question", ["compare Xinxiang and Lingbao in 2023", "新乡和灵宝2023年申请数比较",
                                      "新乡与灵宝2023年收到申请对比", "Xinxiang vs Lingbao: new applications in 2023"])
async def test_two_places_compared(store, question: str) -> None:  # noqa: F811
    a = await ask(store, question)
    assert a.kind == "compare_agencies"
    xx, lb = a.rows
    assert (xx["agency"], xx["value"], xx["whole"]) == (XX_GOV, s3(XX_GOV, 2023, "new"), False)
    assert (lb["agency"], lb["whole"], lb["reports"]) == ("灵宝市", True, 2)  # no 灵宝 government: its agencies
    assert lb["value"] == s3(LINGBAO, 2023, "new") + s3(LB_MARKET, 2023, "new")
    assert a.facts["difference"] == xx["value"] - lb["value"]
    assert XX_GOV in say(a) and "灵宝市" in say(a)


async def test_two_agencies_compared(store) -> None:  # noqa: F811
    a = await ask(store, "新乡工信局和灵宝工信局2023年予以公开比较")
    assert [(r["agency"], r["value"]) for r in a.rows] == [(XINXIANG, s3(XINXIANG, 2023, "granted")),
                                                         (LINGBAO, s3(LINGBAO, 2023, "granted"))]


@pytest.mark.parametrize("question", ["新乡市政府比2022年多收了多少", "新乡市政府2023年比2022年多收了多少申请",
                                      "How many more applications did the Xinxiang government receive than in 2022?"])
async def test_against_a_named_year(store, question: str) -> None:  # noqa: F811
    a = await ask(store, question)
    assert a.kind == "compare" and [r["year"] for r in a.rows] == [2022, 2023]
    assert a.value == s3(XX_GOV, 2023, "new") - s3(XX_GOV, 2022, "new")


@pytest.mark.parametrize("question", ["平潭2025年行政复议多少件", "Sanming 2020: how many administrative coercion decisions?",
                                      "福州2024年收到多少申请", "Fuzhou government lawsuits in 2024"])
async def test_unknown_places_never_widen(store, question: str) -> None:  # noqa: F811
    a = await ask(store, question)
    assert not answered(a) and a.kind == "unknown"


async def test_groups_are_sums(store) -> None:  # noqa: F811
    for question, rows in (("淮安市政府2024年不予公开", [f"denied.{r}" for r in rm.DENIED]),
                           ("Huaian government 2024: applications not handled", [f"rejected.{r}" for r in rm.REJECTED]),
                           ("淮安市政府2024年办结多少", ["results_total"])):
        a = await ask(store, question)
        assert a.value == s3(HUAIAN, 2024, *rows)
    a = await ask(store, "淮安市政府2024年行政诉讼")
    assert a.value == 46 == 26 + 20  # direct + after review
    a = await ask(store, "淮安市政府2024年法人或其他组织申请")
    assert a.value == s3(HUAIAN, 2024, "new", cols=rm.S3_APPLICANT_COLUMNS[1:]) == 118
