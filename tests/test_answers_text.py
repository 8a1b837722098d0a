"""The wording of answers (handlers.answers_text) for the kinds a small store seldom produces,
from Answer data built here: exact texts in both languages."""

from __future__ import annotations

import pytest

from handlers.answers_text import LIST_LIMIT, render_answer
from storage.answers import KINDS, Answer

A = "新乡市工业和信息化局"
QUERY = {"label": {"zh": "新收申请", "en": "new applications"}, "unit": {"zh": "件", "en": ""}}


def ans(kind: str, lang: str, value=None, rows=(), sources=(), **facts) -> Answer:  # type: ignore[no-untyped-def]
    return Answer(kind, value, list(rows), list(sources), {**QUERY, "lang": lang}, facts)


def src(year: int) -> dict:  # type: ignore[type-arg]
    return {"report_id": year, "file": f"x-{year}.txt", "agency": A, "year": year}


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", f"库里没有{A}的年报。"), ("en", f"No report of {A} is stored."),
])  # fmt: skip
def test_no_agency_reports(lang: str, expected: str) -> None:
    assert render_answer(ans("no_agency_reports", lang, agency=A)) == expected


def test_compare_blank_and_unchanged() -> None:
    rows = [{"agency": A, "year": 2022, "value": None}, {"agency": A, "year": 2023, "value": 4}]
    assert render_answer(ans("compare_blank", "zh", None, rows)) == f"{A}的报告中新收申请一栏为空，无法比较。"
    assert render_answer(ans("compare_blank", "en", None, rows)) == f"{A}: new applications is blank in a report; no comparison."
    rows[0]["value"] = 4
    same = ans("compare", "zh", 0, rows, [src(2022), src(2023)])
    assert render_answer(same) == f"{A} 2023 年新收申请 4 件，与 2022 年持平（来源：x-2022.txt、x-2023.txt）"
    assert render_answer(same, "en") == f"{A}: new applications: 4 in 2023, 4 in 2022: unchanged (sources: x-2022.txt, x-2023.txt)"
    rows[0]["value"] = 9
    down = ans("compare", "en", -5, rows, [src(2022), src(2023)])
    assert render_answer(down) == f"{A}: new applications: 4 in 2023, 9 in 2022: down by 5 (sources: x-2022.txt, x-2023.txt)"
    assert render_answer(down, "zh") == f"{A} 2023 年新收申请 4 件，2022 年 9 件，减少 5 件（来源：x-2022.txt、x-2023.txt）"


def test_long_lists_are_cut_with_a_count() -> None:
    n = LIST_LIMIT + 3
    rows = [{"agency": f"机关{i}", "year": 2023, "value": 1, "verdict": "fail", "file": f"{i}.txt", "report_id": i}
            for i in range(n)]
    text = render_answer(ans("list_reports", "zh", n, rows, year=None)).splitlines()
    assert text[0] == f"年报共 {n} 份：" and len(text) == LIST_LIMIT + 2 and text[-1] == "……另有 3 份"
    agencies = [{"agency": f"机关{i}", "year": y, "value": None} for i in range(n) for y in (2022, 2023)]
    text = render_answer(ans("list_agencies", "en", n, agencies, year=None)).splitlines()
    assert text[0] == f"{n} agencies have reports:" and text[1] == "• 机关0 (2022, 2023)" and text[-1] == "… and 3 more"


def test_every_kind_has_a_wording() -> None:
    from handlers.answers_text import _RENDER

    assert set(_RENDER) == KINDS
